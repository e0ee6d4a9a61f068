package bench

import "syscall"

// sysProcAttr kills the server with the benchmark process if it dies
// without running its cleanup.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

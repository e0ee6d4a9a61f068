package redistest

import "syscall"

// sysProcAttr makes the kernel SIGKILL the child when the OS thread that
// started it exits (see the package doc).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

//go:build !linux

package redistest

import "syscall"

// sysProcAttr: Pdeathsig is Linux-only; elsewhere t.Cleanup alone stops servers.
func sysProcAttr() *syscall.SysProcAttr { return nil }

package search

import (
	"syscall"
	"unsafe"
)

// threadCPU returns the CPU time used by the calling OS thread (the caller locks its
// goroutine to the thread), from clock_gettime(CLOCK_THREAD_CPUTIME_ID), which is precise to
// nanoseconds (getrusage only advances per scheduler tick). Evaluations report per-query CPU
// time next to wall time because on a busy machine wall time mostly measures the other
// processes.
func threadCPU() (int64, bool) {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
		return 0, false
	}
	return ts.Nano(), true
}

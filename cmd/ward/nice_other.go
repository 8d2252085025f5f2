//go:build !linux

package main

import "syscall"

// lowerPriority gives this process the CPU priority nice (1 to 19).
func lowerPriority(nice int) error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, 0, nice)
}

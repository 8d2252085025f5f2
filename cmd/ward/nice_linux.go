package main

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// lowerPriority gives this process the CPU priority nice (1 to 19) on
// every one of its threads. Linux keeps a nice value per thread, and a new
// thread takes its creator's: once every thread has it, the threads the Go
// runtime starts later have it too (a second pass catches those started
// during the first).
func lowerPriority(nice int) error {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("lower priority: %w", err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.Setpriority(unix.PRIO_PROCESS, tid, nice); err != nil && err != unix.ESRCH {
				return fmt.Errorf("lower priority: %w", err)
			}
		}
	}
	return nil
}

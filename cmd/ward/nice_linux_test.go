package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// ward backup runs at a lower CPU priority (--nice, default 19) so that
// the server beside it keeps the cores it needs. Linux keeps a nice value
// per thread: every thread of the process has it, those the runtime starts
// afterwards too. Checked in a child process (this test binary again), so
// that the tests themselves keep their priority.
func TestLowerPriorityReachesEveryThread(t *testing.T) {
	if os.Getenv("WARD_TEST_NICE_CHILD") == "1" {
		if err := lowerPriority(19); err != nil {
			os.Stdout.WriteString("error " + err.Error())
			os.Exit(1)
		}
		var wg sync.WaitGroup
		hold := make(chan struct{})
		for range 6 { // threads made after: each goroutine locked to one of its own
			wg.Go(func() {
				runtime.LockOSThread()
				<-hold
			})
		}
		time.Sleep(100 * time.Millisecond)
		tasks, _ := os.ReadDir("/proc/self/task")
		for _, task := range tasks {
			b, err := os.ReadFile("/proc/self/task/" + task.Name() + "/stat")
			if err != nil {
				continue
			}
			s := string(b)
			fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // after the command's name
			os.Stdout.WriteString(fields[16] + "\n")                      // field 19: nice
		}
		close(hold)
		wg.Wait()
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLowerPriorityReachesEveryThread$")
	cmd.Env = append(os.Environ(), "WARD_TEST_NICE_CHILD=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	nices := strings.Fields(string(out))
	if len(nices) < 7 {
		t.Fatalf("the child listed %d threads: %q", len(nices), out)
	}
	for _, n := range nices {
		if n != "19" {
			t.Fatalf("a thread runs at nice %s: %q", n, nices)
		}
	}
}

//go:build unix

package store_test

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// BenchmarkPostgresGroupCommit: group commits of k concurrent sends
// (WriteBatchedSend) on PostgreSQL, one after the other; per batch its
// time and this process's CPU (the server's side of the round trips:
// pgpipeline.go). Skips without WARD_TEST_POSTGRES.
//
//	WARD_TEST_POSTGRES=postgres://… go test -run '^$' -bench PostgresGroupCommit -benchtime 300x ./internal/store/
func BenchmarkPostgresGroupCommit(b *testing.B) {
	for _, k := range []int{1, 23, 80} {
		b.Run(fmt.Sprintf("sends=%d", k), func(b *testing.B) {
			s := storetest.Postgres(b, nil)
			seedMessaging(b, s)
			n := 0
			cpu0 := processCPU()
			b.ResetTimer()
			for range b.N {
				var wg sync.WaitGroup
				for range k {
					n++
					m := newMsg(fmt.Sprintf("m%d", n), "u1", fmt.Sprintf("k%d", n), ward.Normal)
					wg.Go(func() {
						if _, _, err := sendBatched(s, m); err != nil {
							b.Error(err)
						}
					})
				}
				wg.Wait()
			}
			b.StopTimer()
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/batch")
		})
	}
}

// processCPU is this process's user and system CPU so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

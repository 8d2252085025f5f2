package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// BenchmarkRecorder measures group commit with 64 concurrent callers (32 per
// GOMAXPROCS on 2 cores), one event per Record, on SQLite with
// synchronous=FULL, each event with its MAC.
func BenchmarkRecorder(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchRecorder(b, storetest.SQLite(b, nil)) })
	b.Run("postgres", func(b *testing.B) { benchRecorder(b, storetest.Postgres(b, nil)) })
}

func benchRecorder(b *testing.B, st *store.Store) {
	macStore(st)           // as ward serve does: one HMAC-SHA-256 per event,
	audit.SealOnInsert(st) // and each chained as it commits
	r := audit.NewRecorder(st, audit.RecorderOptions{})
	defer r.Close()
	ctx := context.Background()
	ev := event(1)
	b.SetParallelism(max(1, 64/max(1, testingProcs())))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := r.Record(ctx, ev); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkVerify measures Verify over a sealed, checkpointed chain.
func BenchmarkVerify(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchVerify(b, storetest.SQLite(b, nil)) })
	b.Run("postgres", func(b *testing.B) { benchVerify(b, storetest.Postgres(b, nil)) })
}

func benchVerify(b *testing.B, st *store.Store) {
	const n = 200_000
	ctx := context.Background()
	for i := 0; i < n; i += 10_000 {
		mustAppend(b, st, i, 10_000)
	}
	s, err := audit.NewSealer(st, audit.SealerOptions{Key: testKey(1), Batch: 10_000})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Seal(ctx); err != nil {
		b.Fatal(err)
	}
	if _, _, err := s.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rep, err := audit.Verify(ctx, st, pub(testKey(1)))
		if err != nil || rep.Events != n {
			b.Fatal(rep, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "events/s")
}

package app_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// BenchmarkSendMessage sends one-to-one messages one after the other, each
// sealed, committed (SQLite, WAL, synchronous=FULL) and audited before the
// next: the floor of what one sequential client gets.
func BenchmarkSendMessage(b *testing.B) { benchmarkSend(b, mustMsgFixture(b).benchSendLimit(b)) }

// BenchmarkSendMessagePostgres is the same on PostgreSQL
// (WARD_TEST_POSTGRES; skipped when unset).
func BenchmarkSendMessagePostgres(b *testing.B) {
	benchmarkSend(b, mustMsgFixtureOn(b, storetest.PostgresURL(b)).benchSendLimit(b))
}

func benchmarkSend(b *testing.B, f *msgFixture) {
	ctx := context.Background()
	alice, bob := f.user(b, "alice", ward.RoleClinician), f.user(b, "bob", ward.RoleClinician)
	c := f.direct(b, alice, bob)
	body := "Pt in bed 12: BP 150/95, HR 102. Please review the morning labs when you can."
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := f.App.SendMessage(ctx, alice, c.ID, app.SendRequest{ClientID: strconv.Itoa(i), Body: body}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSendMessageParallel sends from 64 senders at once, each in its
// own direct conversation: the one-to-one load of a busy clinic. Group
// commit lets one fsync cover many sends.
func BenchmarkSendMessageParallel(b *testing.B) {
	f := mustMsgFixture(b).benchSendLimit(b)
	ctx := context.Background()
	const pairs = 64
	lanes := make(chan lane, pairs)
	for _, l := range directLanes(b, f, pairs) {
		lanes <- l
	}
	body := "Pt in bed 12: BP 150/95, HR 102. Please review the morning labs when you can."
	var seq atomic.Int64
	b.SetParallelism(pairs / 2) // 2 cores × 32 = 64 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		l := <-lanes
		for pb.Next() {
			id := strconv.FormatInt(seq.Add(1), 10)
			if _, _, err := f.App.SendMessage(ctx, l.p, l.conv, app.SendRequest{ClientID: id, Body: body}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkSendMessageManyConversations is BenchmarkSendMessageParallel
// over 5,000 direct conversations, each send to one at random: the writer's
// pages are spread as in a large clinic, not held in a few dozen
// conversations.
func BenchmarkSendMessageManyConversations(b *testing.B) {
	f := mustMsgFixture(b).benchSendLimit(b)
	ctx := context.Background()
	const convs = 5000
	lanes := directLanes(b, f, convs)
	body := "Pt in bed 12: BP 150/95, HR 102. Please review the morning labs when you can."
	var seq atomic.Int64
	b.SetParallelism(32) // 2 cores × 32 = 64 goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(uint64(seq.Add(1)), 7))
		for pb.Next() {
			l := lanes[r.IntN(convs)]
			id := strconv.FormatInt(seq.Add(1), 10)
			if _, _, err := f.App.SendMessage(ctx, l.p, l.conv, app.SendRequest{ClientID: id, Body: body}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// lane is a sender and its direct conversation.
type lane struct {
	p    *app.Principal
	conv string
}

// directLanes makes n senders, each with a direct conversation of its own.
func directLanes(b *testing.B, f *msgFixture, n int) []lane {
	lanes := make([]lane, n)
	for i := range lanes {
		s := f.user(b, "sender"+strconv.Itoa(i), ward.RoleClinician)
		r := f.user(b, "recipient"+strconv.Itoa(i), ward.RoleClinician)
		lanes[i] = lane{s, f.direct(b, s, r).ID}
	}
	return lanes
}

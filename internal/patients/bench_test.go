package patients_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/store"
)

// BenchmarkLookupByMRN looks a record up by MRN (blind index, open, one
// durable patient.read event) in an org of WARD_BENCH_PATIENTS records
// (default 100,000) on SQLite, and reports p50 and p99. Of the records,
// WARD_BENCH_REAL (default 2,000) are made through Create (each its own
// data key) and are the ones looked up; the rest are rows with random
// indexes and sealed bytes, which make the tables and the index as large
// as the full count. It logs how long each part of the seeding took.
//
//	go test -run '^$' -bench LookupByMRN -benchtime 5000x ./internal/patients
func BenchmarkLookupByMRN(b *testing.B) {
	total, real := envInt("WARD_BENCH_PATIENTS", 100_000), envInt("WARD_BENCH_REAL", 2_000)
	f := apptest.New(b, false)
	ctx := context.Background()
	_, pw := f.AddUser(b, ward.RoleStaff, "nurse@stmary.example", "Nina Nurse")
	nurse, _ := f.MustLogin(b, "nurse@stmary.example", pw, "bench-nurse")

	start := time.Now()
	for i := range real {
		_, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: "R" + strconv.Itoa(i), GivenName: "Given",
			FamilyName: "Family" + strconv.Itoa(i%500), BirthDate: "1970-01-01"})
		if err != nil {
			b.Fatal(err)
		}
	}
	realTook := time.Since(start)
	start = time.Now()
	const batch = 5_000
	sealed := make([]byte, 200)
	rand.Read(sealed)
	idx := func() string {
		r := make([]byte, 32)
		rand.Read(r)
		return base64.RawURLEncoding.EncodeToString(r)
	}
	for done := real; done < total; {
		n := min(batch, total-done)
		if err := f.Store.Write(ctx, func(tx *store.Tx) error {
			for i := range n {
				r := store.PatientRow{ID: fmt.Sprintf("01900000-0000-7000-8000-%012d", done+i), OrgID: f.Org.ID,
					MRNIndex: idx(), DOBNameIndex: idx(), Sealed: sealed, Status: "active"}
				if err := tx.InsertPatient(ctx, &r); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.Logf("seeded %d records: %d through Create in %v (%.0f/s), %d filler rows in %v", total, real, realTook.Round(time.Millisecond),
		float64(real)/realTook.Seconds(), total-real, time.Since(start).Round(time.Millisecond))

	// Without the audit event (the look-up's own cost), then the use case
	// whole; ns/op covers both loops, the p50/p99 metrics each.
	find := map[string]func(mrn string) ([]patients.Record, error){
		"unaudited": func(mrn string) ([]patients.Record, error) { return f.Patients.FindByMRNUnaudited(ctx, f.Org.ID, mrn) },
		"audited":   func(mrn string) ([]patients.Record, error) { return f.Patients.FindByMRN(ctx, nurse, mrn) },
	}
	b.ResetTimer()
	for _, name := range []string{"unaudited", "audited"} {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			mrn := "r-" + strconv.Itoa(mrand.IntN(real)) // another spelling: normalised
			t0 := time.Now()
			recs, err := find[name](mrn)
			lat = append(lat, time.Since(t0))
			if err != nil || len(recs) != 1 {
				b.Fatalf("FindByMRN(%s): %d records, %v", mrn, len(recs), err)
			}
		}
		slices.Sort(lat)
		q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
		b.ReportMetric(q(0.50), name+"-p50-µs")
		b.ReportMetric(q(0.99), name+"-p99-µs")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

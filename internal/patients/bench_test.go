package patients_test

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/store"
)

// BenchmarkLookupByMRN looks a record up by MRN in an org of
// WARD_BENCH_PATIENTS records (default 1,000,000) on a SQLite file, and
// reports p50 and p99 in µs. Every record is a real one: its fields sealed
// under a data key of its own, its blind indexes, its patient.created
// event. The look-ups pick a record at random, in another spelling of its
// MRN; its data key is then mostly not in the keyring's cache (10,000 keys)
// and is read and unwrapped, as in a clinic with many patients.
//
//   - unaudited: the look-up alone (blind index, one indexed row, open);
//   - audited/callers=N: the use case whole (FindByMRN: the look-up, then
//     its patient.read event committed durably, synchronous=FULL, through
//     the audit Recorder's group commit, before the answer), N callers at
//     once, b.N look-ups in all;
//   - disk-sync: the floor under the audited figures, b.N times a write of
//     28 KiB (what one patient.read's commit adds to the WAL: the event's
//     row and its four index entries, about seven pages) and its fsync, to
//     a file beside the database, no SQLite involved. On a disk whose own
//     fsync has a p99 near 1 ms no audited look-up can do better.
//
// Seeding (batches of 5,000 records a transaction, their data keys made in
// one transaction a batch) is logged with its rate. The seeded database
// and its key file are kept in WARD_BENCH_CACHE (default the repository's
// .cache/bench-patients), in a folder named by the schema version and the
// count, and used again by later runs (which add their own patient.read
// events to it); a new migration seeds afresh.
//
//	go test -run '^$' -bench LookupByMRN -benchtime 5000x ./internal/patients
func BenchmarkLookupByMRN(b *testing.B) {
	total := envInt("WARD_BENCH_PATIENTS", 1_000_000)
	env := seededPatients(b, total)
	ctx := context.Background()
	mrn := func() string { return "m-" + strconv.Itoa(mrand.IntN(total)) } // another spelling: normalised

	b.Run("unaudited", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for range b.N {
			m := mrn()
			t0 := time.Now()
			recs, err := env.svc.FindByMRNUnaudited(ctx, env.p.User.OrgID, m)
			lat = append(lat, time.Since(t0))
			if err != nil || len(recs) != 1 {
				b.Fatalf("FindByMRN(%s): %d records, %v", m, len(recs), err)
			}
		}
		reportLatency(b, lat)
	})
	b.Run("disk-sync", func(b *testing.B) { reportLatency(b, syncLatencies(b, env.dir, b.N)) })
	for _, callers := range []int{1, 4, 16} {
		b.Run("audited/callers="+strconv.Itoa(callers), func(b *testing.B) {
			lat := make([][]time.Duration, callers)
			var wg sync.WaitGroup
			errs := make(chan error, callers)
			for c := range callers {
				n := b.N / callers
				if c < b.N%callers {
					n++
				}
				lat[c] = make([]time.Duration, 0, n)
				wg.Go(func() {
					for range n {
						m := mrn()
						t0 := time.Now()
						recs, err := env.svc.FindByMRN(ctx, env.p, m)
						lat[c] = append(lat[c], time.Since(t0))
						if err != nil || len(recs) != 1 {
							errs <- fmt.Errorf("FindByMRN(%s): %d records, %v", m, len(recs), err)
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
			reportLatency(b, slices.Concat(lat...))
		})
	}
}

// syncLatencies writes 28 KiB and fsyncs it n times in a scratch file of
// dir, over the same 4 MiB again and again as a WAL that keeps its size is
// written, and returns each write and sync's time.
func syncLatencies(b *testing.B, dir string, n int) []time.Duration {
	f, err := os.CreateTemp(dir, "disk-sync-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	const size, span = 28 << 10, 4 << 20
	if _, err := f.Write(make([]byte, span)); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	page := make([]byte, size)
	lat := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		if _, err := f.WriteAt(page, int64(i*size)%(span-size)); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	return lat
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(q(0.50), "p50-µs")
	b.ReportMetric(q(0.99), "p99-µs")
	b.ReportMetric(q(0.999), "p99.9-µs")
}

// patientsEnv is the patients service over a seeded database, and a
// nurse to look records up as.
type patientsEnv struct {
	svc *patients.Service
	p   *access.Principal
	dir string // the seeded database's folder
}

// benchMeta is what a seeded folder keeps beside its database: the nurse,
// and what seeding took. It is written last: a folder without it is an
// interrupted seeding, and is made again.
type benchMeta struct {
	Nurse    ward.User
	Records  int
	Seconds  float64
	SeededAt time.Time
}

// seededPatients opens the cached database of total records, seeding it
// first when there is none for this schema version.
func seededPatients(b *testing.B, total int) patientsEnv {
	b.Helper()
	ctx := context.Background()
	version := schemaVersion(b)
	root := os.Getenv("WARD_BENCH_CACHE")
	if root == "" {
		root = filepath.Join(repoRoot(b), ".cache", "bench-patients")
	}
	dir := filepath.Join(root, fmt.Sprintf("schema%d-%d", version, total))
	var meta benchMeta
	if body, err := os.ReadFile(filepath.Join(dir, "meta.json")); err == nil && json.Unmarshal(body, &meta) == nil {
		b.Logf("seeded database of %d records from %s (seeded in %.1fs on %s)", meta.Records, dir, meta.Seconds,
			meta.SeededAt.Format(time.DateOnly))
	} else {
		old, _ := filepath.Glob(filepath.Join(root, fmt.Sprintf("schema*-%d", total)))
		for _, o := range old { // older schema versions, and an interrupted seeding
			os.RemoveAll(o)
		}
		meta = seedPatients(b, dir, total)
	}
	st, kr, rec := openBenchStore(b, dir)
	b.Cleanup(func() { rec.Close(); st.Close() })
	svc, err := patients.New(patients.Config{Store: st, Keyring: kr, Audit: rec})
	if err != nil {
		b.Fatal(err)
	}
	if applied, err := st.Migrate(ctx); err != nil || len(applied) > 0 {
		b.Fatalf("the cached database was not at schema %d: %v %v", version, applied, err)
	}
	return patientsEnv{svc: svc, p: &access.Principal{User: meta.Nurse}, dir: dir}
}

// seedPatients makes an org, a nurse and total records in dir.
func seedPatients(b *testing.B, dir string, total int) benchMeta {
	b.Helper()
	ctx := context.Background()
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o700); err != nil {
		b.Fatal(err)
	}
	st, kr, rec := openBenchStore(b, dir)
	defer st.Close()
	defer rec.Close()
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	svc, err := patients.New(patients.Config{Store: st, Keyring: kr, Audit: rec})
	if err != nil {
		b.Fatal(err)
	}
	a, err := app.New(app.Config{Store: st, Keyring: kr, Audit: rec, Hasher: apptest.FastHasher(b), Blobs: blobs, Patients: svc})
	if err != nil {
		b.Fatal(err)
	}
	org, _, _, err := a.CreateOrg(ctx, app.InitOrg{Name: "St Mary", AdminEmail: "owner@stmary.example",
		AdminName: "Olive Owner", Password: "owner passphrase long enough"})
	if err != nil {
		b.Fatal(err)
	}
	nurse, err := a.AddUser(ctx, org.Slug, app.NewUser{Email: "nurse@stmary.example", Name: "Nina Nurse",
		Role: ward.RoleStaff, Password: "nurse passphrase long enough"})
	if err != nil {
		b.Fatal(err)
	}
	p := &access.Principal{User: nurse}
	const batch = 5_000
	start, last := time.Now(), time.Now()
	for done := 0; done < total; {
		n := min(batch, total-done)
		fs := make([]patients.Fields, n)
		for i := range fs {
			k := done + i
			fs[i] = patients.Fields{MRN: "M" + strconv.Itoa(k), GivenName: "Given" + strconv.Itoa(k%997),
				FamilyName: "Family" + strconv.Itoa(k%5003), BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 30+k%70, 1+k%12, 1+k%28),
				Sex: "female", Phone: "+1555" + strconv.Itoa(1_000_000+k), Email: "p" + strconv.Itoa(k) + "@example.org"}
		}
		if err := svc.CreateMany(ctx, p, fs); err != nil {
			b.Fatal(err)
		}
		done += n
		if time.Since(last) > 10*time.Second || done == total {
			last = time.Now()
			b.Logf("seeding: %d of %d records, %.0f a second", done, total, float64(done)/time.Since(start).Seconds())
		}
	}
	meta := benchMeta{Nurse: nurse, Records: total, Seconds: time.Since(start).Seconds(), SeededAt: time.Now().UTC()}
	b.Logf("seeded %d records in %.1fs (%.0f a second)", total, meta.Seconds, float64(total)/meta.Seconds)
	body, err := json.Marshal(meta)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "meta.json"), body, 0o600); err != nil {
		b.Fatal(err)
	}
	return meta
}

// openBenchStore opens the store, keyring and audit recorder of dir.
func openBenchStore(b *testing.B, dir string) (*store.Store, *keyring.Keyring, *audit.Recorder) {
	b.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	prov, err := keyring.FileProvider(filepath.Join(dir, "keys"))
	if err != nil {
		b.Fatal(err)
	}
	kr, err := keyring.New(ctx, keyring.Config{Store: st, Provider: prov})
	if err != nil {
		b.Fatal(err)
	}
	return st, kr, audit.NewRecorder(st, audit.RecorderOptions{})
}

// schemaVersion is the number of the newest migration this build has.
func schemaVersion(b *testing.B) int {
	st, err := store.Open(context.Background(), store.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ms, err := st.Migrations()
	if err != nil {
		b.Fatal(err)
	}
	return ms[len(ms)-1].Version
}

// repoRoot is the folder of the module's go.mod, above the test's folder.
func repoRoot(b *testing.B) string {
	dir, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			b.Fatalf("no go.mod above %s", dir)
		}
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

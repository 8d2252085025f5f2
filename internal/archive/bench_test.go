package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/archive"
	"github.com/wardhealth/ward/internal/blob"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// The archive benchmarks export and verify a patient's archive of
// benchMessages messages and benchAttachments attachments of 1 MiB:
// 10,000 and 64 MiB by default, the 100,000 messages and 1 GiB
// with WARD_BENCH_ARCHIVE_FULL=1 (docs/BENCHMARKS.md).
func benchSize() (messages, attachments int) {
	if os.Getenv("WARD_BENCH_ARCHIVE_FULL") != "" {
		return 100_000, 1024
	}
	return 10_000, 64
}

const benchConversations = 10

type benchEnv struct {
	x   *archive.Exporter
	req *archive.Request
	id  age.Identity
}

// seedBench fills a SQLite store through the store and the keyring as the
// app does: bodies sealed per message, attachments sealed chunk by chunk
// into the blob store, all about one patient.
func seedBench(b testing.TB) *benchEnv {
	nMsgs, nAtts := benchSize()
	return seed(b, nMsgs, nAtts)
}

// seed is seedBench of nMsgs messages and nAtts attachments of 1 MiB.
func seed(b testing.TB, nMsgs, nAtts int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	st, err := store.Open(ctx, store.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	prov, err := keyring.FileProvider(dir)
	if err != nil {
		b.Fatal(err)
	}
	kr, err := keyring.New(ctx, keyring.Config{Store: st, Provider: prov})
	if err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.NewDir(filepath.Join(dir, "blobs"))
	if err != nil {
		b.Fatal(err)
	}
	const org, patient = "org-bench", "patient-bench"
	err = st.Write(ctx, func(tx *store.Tx) error {
		if err := tx.CreateOrg(ctx, &ward.Org{ID: org, Slug: "bench", Name: "Bench"}); err != nil {
			return err
		}
		for _, id := range []string{"u1", "u2"} {
			if err := tx.CreateUser(ctx, &ward.User{ID: id, OrgID: org, Email: id + "@bench.example", Name: id, Role: ward.RoleClinician}); err != nil {
				return err
			}
		}
		for c := range benchConversations {
			conv := store.Conversation{}
			conv.ID, conv.OrgID, conv.Kind, conv.CreatedBy, conv.PatientID = "c"+strconv.Itoa(c), org, ward.Group, "u1", patient
			conv.Members = []ward.Member{{UserID: "u1", Role: ward.MemberOwner}, {UserID: "u2", Role: ward.MemberMember}}
			if err := tx.CreateConversation(ctx, &conv); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// The conversations' data keys exist before the write transactions
	// below seal under them (making one writes in a transaction of its own).
	for c := range benchConversations {
		if err := kr.Prepare(ctx, org, "conv:c"+strconv.Itoa(c)); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	content := make([]byte, 1<<20)
	attEvery := max(nMsgs/max(nAtts, 1), 1)
	const batch = 2000
	for start := 0; start < nMsgs; start += batch {
		err := st.Write(ctx, func(tx *store.Tx) error {
			for i := start; i < min(start+batch, nMsgs); i++ {
				conv := "c" + strconv.Itoa(i%benchConversations)
				m := &store.Message{OrgID: org}
				m.ID, m.ConversationID, m.SenderID, m.ClientID, m.Priority = fmt.Sprintf("m%07d", i), conv, "u1", "k"+strconv.Itoa(i), ward.Normal
				body := fmt.Sprintf("message %d: the patient's potassium is 4.%d mmol/L, repeat the panel tomorrow morning and call the family", i, i%10)
				if m.BodySealed, err = kr.Seal(ctx, keyring.Ref{Org: org, Scope: "conv:" + conv, Record: m.ID, Field: "body"}, []byte(body)); err != nil {
					return err
				}
				if _, err := tx.InsertMessage(ctx, m); err != nil {
					return err
				}
				if i%attEvery != 0 || i/attEvery >= nAtts {
					continue
				}
				a := store.Attachment{BlobKey: fmt.Sprintf("blob-%08d", i)}
				a.ID, a.OrgID, a.ConversationID, a.UploaderID, a.ContentType, a.Size = fmt.Sprintf("a%07d", i), org, conv, "u1",
					"application/octet-stream", int64(len(content))
				if a.NameSealed, err = kr.Seal(ctx, keyring.Ref{Org: org, Scope: "conv:" + conv, Record: a.ID, Field: "attachment_name"}, []byte("scan.pdf")); err != nil {
					return err
				}
				for j := 0; j < len(content); j += 8 {
					v := rng.Uint64()
					for k := range 8 {
						content[j+k] = byte(v >> (8 * k))
					}
				}
				var sealed bytes.Buffer
				ew, err := kr.NewEncryptWriter(ctx, keyring.Ref{Org: org, Scope: "conv:" + conv, Record: a.ID, Field: "attachment"}, &sealed)
				if err != nil {
					return err
				}
				ew.Write(content)
				if err := ew.Close(); err != nil {
					return err
				}
				if _, err := blobs.Put(ctx, a.BlobKey, &sealed); err != nil {
					return err
				}
				if err := tx.InsertAttachment(ctx, &a); err != nil {
					return err
				}
				if err := tx.LinkAttachments(ctx, m, "u1", []string{a.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{
		x: &archive.Exporter{Store: st, Keys: kr, Blobs: blobs},
		req: &archive.Request{OrgID: org, Key: archive.Key{Recipient: id.Recipient().String()},
			Selection: archive.Selection{PatientID: patient, From: time.Unix(0, 0), To: time.Now().Add(time.Hour)}, Note: "bench"},
		id: id,
	}
}

// export writes the archive to a file and returns its manifest and the
// plaintext bytes (every entry's size).
func (e *benchEnv) export(b testing.TB, path string) (archive.Manifest, int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	m, err := e.x.Export(context.Background(), e.req, f)
	if err != nil {
		b.Fatal(err)
	}
	var plain int64
	for _, en := range m.Entries {
		plain += en.Size
	}
	return m, plain
}

// BenchmarkArchiveExport: the target is >= 50 MiB/s of plaintext.
func BenchmarkArchiveExport(b *testing.B) {
	e := seedBench(b)
	path := filepath.Join(b.TempDir(), "a.age")
	var plain int64
	var m archive.Manifest
	start := time.Now()
	for b.Loop() {
		m, plain = e.export(b, path)
	}
	b.ReportMetric(float64(plain)*float64(b.N)/(1<<20)/time.Since(start).Seconds(), "MiB/s")
	b.ReportMetric(float64(m.Counts.Messages), "messages")
	b.ReportMetric(float64(m.Counts.AttachmentBytes)/(1<<20), "attachment-MiB")
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB") // Linux: KiB; includes seeding
	}
}

// BenchmarkArchiveVerify: the target is >= 100 MiB/s of plaintext.
func BenchmarkArchiveVerify(b *testing.B) {
	e := seedBench(b)
	path := filepath.Join(b.TempDir(), "a.age")
	_, plain := e.export(b, path)
	start := time.Now()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := archive.Verify(f, []age.Identity{e.id}, nil, nil)
		f.Close()
		if err != nil || rep.Bytes < plain {
			b.Fatalf("verify: %v (%d of %d bytes)", err, rep.Bytes, plain)
		}
	}
	b.ReportMetric(float64(plain)*float64(b.N)/(1<<20)/time.Since(start).Seconds(), "MiB/s")
}

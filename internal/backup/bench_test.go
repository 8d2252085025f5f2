package backup_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"filippo.io/age"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/backup"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// The backup benchmarks back up (and restore) a data dir of benchMessages
// sealed messages in 50 conversations and benchBlobs attachment blobs of
// 1 MiB: 50,000 and 256 MiB by default, 500,000 and 2 GiB with
// WARD_BENCH_BACKUP_FULL=1. b.SetBytes is the database and blob bytes, so
// the MB/s column is the backup's speed.
func benchSize() (messages, blobs int) {
	if os.Getenv("WARD_BENCH_BACKUP_FULL") != "" {
		return 500_000, 2048
	}
	return 50_000, 256
}

type benchData struct {
	cfg    server.Config
	env    *server.Env
	signer []byte
}

func seedBench(b *testing.B) *benchData {
	b.Helper()
	ctx := context.Background()
	nMsgs, nBlobs := benchSize()
	s := seed(b, "")
	env, err := server.Open(ctx, s.cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { env.Close() })
	const convs = 50
	err = env.Store.Write(ctx, func(tx *store.Tx) error {
		for c := range convs {
			conv := store.Conversation{}
			conv.ID, conv.OrgID, conv.Kind, conv.CreatedBy = "c"+strconv.Itoa(c), s.orgID, ward.Group, s.clinician.User.ID
			conv.Members = []ward.Member{{UserID: s.clinician.User.ID, Role: ward.MemberOwner}}
			if err := tx.CreateConversation(ctx, &conv); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for c := range convs {
		if err := env.Keyring.Prepare(ctx, s.orgID, "conv:c"+strconv.Itoa(c)); err != nil {
			b.Fatal(err)
		}
	}
	const batch = 5000
	for start := 0; start < nMsgs; start += batch {
		err := env.Store.Write(ctx, func(tx *store.Tx) error {
			for i := start; i < min(start+batch, nMsgs); i++ {
				conv := "c" + strconv.Itoa(i%convs)
				m := &store.Message{OrgID: s.orgID}
				m.ID, m.ConversationID, m.SenderID, m.ClientID, m.Priority = fmt.Sprintf("m%07d", i), conv, s.clinician.User.ID, "k"+strconv.Itoa(i), ward.Normal
				body := fmt.Sprintf("message %d: the patient's potassium is 4.%d mmol/L, repeat the panel tomorrow morning and call the family", i, i%10)
				var err error
				if m.BodySealed, err = env.Keyring.Seal(ctx, keyring.Ref{Org: s.orgID, Scope: "conv:" + conv, Record: m.ID, Field: "body"}, []byte(body)); err != nil {
					return err
				}
				if _, err := tx.InsertMessage(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// Blobs: sealed attachments are indistinguishable from random bytes.
	rng := rand.New(rand.NewChaCha8([32]byte{2}))
	content := make([]byte, 1<<20)
	for i := range nBlobs {
		for j := 0; j < len(content); j += 8 {
			v := rng.Uint64()
			for k := range 8 {
				content[j+k] = byte(v >> (8 * k))
			}
		}
		key := fmt.Sprintf("blob-%08d", i)
		dir := filepath.Join(s.cfg.DataDir, "blobs", key[len(key)-2:])
		os.MkdirAll(dir, 0o700)
		if err := os.WriteFile(filepath.Join(dir, key), content, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	signer, err := env.Keyring.AuditSigningKey(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return &benchData{cfg: s.cfg, env: env, signer: signer}
}

func BenchmarkBackup(b *testing.B) {
	d := seedBench(b)
	ctx := context.Background()
	id, _ := age.GenerateX25519Identity()
	blobs, _ := backup.NewBlobDir(filepath.Join(d.cfg.DataDir, "blobs"))
	out := b.TempDir()
	dest, _ := backup.NewFolder(out)
	b.ResetTimer()
	for b.Loop() {
		res, err := backup.Run(ctx, backup.Options{Store: d.env.Store, Blobs: blobs, Dest: dest, Key: backup.Key{Recipient: id.Recipient().String()},
			Signer: d.signer, TempDir: out})
		if err != nil {
			b.Fatal(err)
		}
		c := res.Manifest.Counts
		b.SetBytes(c.DBBytes + c.BlobBytes)
		b.ReportMetric(float64(c.DBBytes)/(1<<20), "db-MiB")
		b.ReportMetric(float64(c.BlobBytes)/(1<<20), "blob-MiB")
		b.StopTimer()
		os.Remove(res.Where)
		b.StartTimer()
	}
}

func BenchmarkRestore(b *testing.B) {
	d := seedBench(b)
	ctx := context.Background()
	id, _ := age.GenerateX25519Identity()
	blobs, _ := backup.NewBlobDir(filepath.Join(d.cfg.DataDir, "blobs"))
	out := b.TempDir()
	dest, _ := backup.NewFolder(out)
	res, err := backup.Run(ctx, backup.Options{Store: d.env.Store, Blobs: blobs, Dest: dest, Key: backup.Key{Recipient: id.Recipient().String()},
		Signer: d.signer, TempDir: out})
	if err != nil {
		b.Fatal(err)
	}
	c := res.Manifest.Counts
	b.SetBytes(c.DBBytes + c.BlobBytes)
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "r")
		f, _ := os.Open(res.Where)
		b.StartTimer()
		if _, err := backup.Restore(ctx, f, backup.RestoreOptions{Identities: []age.Identity{id}, DataDir: dir}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		f.Close()
		os.RemoveAll(dir)
		b.StartTimer()
	}
}

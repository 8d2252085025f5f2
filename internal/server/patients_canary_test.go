package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestCanaryPatientRecordNeverStoredInPlaintext (issue 22, shows 2)
// creates a patient record through the API of a running server with
// canaries as its names, MRN, date of birth, phone, email and guardian,
// reads it back by id, by MRN and by date of birth and family name, edits
// and deactivates it, and looks for every canary in every file of the data
// dir (on SQLite the database and its WAL, while the server runs and after
// it stopped), on PostgreSQL in every row of every table of the schema
// (as text, and bytea columns as hex), and in the log.
func TestCanaryPatientRecordNeverStoredInPlaintext(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { patientCanary(t, "") })
	t.Run("postgres", func(t *testing.T) { patientCanary(t, storetest.PostgresURL(t)) })
}

func patientCanary(t *testing.T, dbURL string) {
	ctx := context.Background()
	dir := t.TempDir()
	var logs, stdout syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := make([]byte, 8)
	rand.Read(b)
	tag := hex.EncodeToString(b)
	digits := func(n int64) string { v, _ := rand.Int(rand.Reader, big.NewInt(n)); return v.String() }
	canaries := map[string]string{
		"given_name":  "CanaryGiven" + tag,
		"family_name": "CanaryFamily" + tag,
		"mrn":         "MRN-" + tag,
		"phone":       fmt.Sprintf("+1 %010s", digits(1e10)),
		"email":       "canary.record." + tag + "@patients.example",
		"guardian":    "CanaryGuardian " + tag,
	}
	v, _ := rand.Int(rand.Reader, big.NewInt(36500))
	birth := fmt.Sprintf("%04d-%02d-%02d", 1901+v.Int64()/365, 1+v.Int64()%12, 1+v.Int64()%28)
	canaries["birth_date"] = birth
	const ownerEmail, ownerPW, nursePW = "owner@record.example", "record owner passphrase long", "record nurse passphrase long"

	cfg := server.Config{DataDir: dir, DBURL: dbURL, Addr: "127.0.0.1:0", Logger: logger, Stdout: &stdout}
	env, err := server.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := env.App.CreateOrg(ctx, app.InitOrg{Name: "Record Clinic", AdminEmail: ownerEmail, Password: ownerPW}); err != nil {
		t.Fatal(err)
	}
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	base, stop := startSealServer(t, cfg)
	login := func(email, pw, device string) string {
		t.Helper()
		res, err := client.New(base, client.Options{InsecureSkipVerify: true}).Login(ctx, client.LoginRequest{Email: email,
			Password: pw, Device: client.Device{ID: device, Name: "desk"}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Token
	}
	owner := login(ownerEmail, ownerPW, "record-owner")
	call(t, base, owner, "POST", "/api/v1/users", `{"email":"nurse@record.example","name":"Nina Nurse","role":"staff","password":"`+nursePW+`"}`, nil)
	nurse := login("nurse@record.example", nursePW, "record-nurse")

	type rec struct {
		ID         string `json:"id"`
		MRN        string `json:"mrn"`
		FamilyName string `json:"family_name"`
		BirthDate  string `json:"birth_date"`
		Phone      string `json:"phone"`
		Email      string `json:"email"`
	}
	var created rec
	call(t, base, nurse, "POST", "/api/v1/patients", fmt.Sprintf(`{"mrn":%q,"given_name":%q,"family_name":%q,"birth_date":%q,"sex":"other","phone":%q,"email":%q,"guardian":%q}`,
		canaries["mrn"], canaries["given_name"], canaries["family_name"], birth, canaries["phone"], canaries["email"], canaries["guardian"]), &created)
	if created.ID == "" || created.MRN != canaries["mrn"] || created.Email != canaries["email"] || created.BirthDate != birth {
		t.Fatalf("created %+v", created)
	}
	var got rec
	call(t, base, nurse, "GET", "/api/v1/patients/"+created.ID, "", &got)
	var list struct{ Patients []rec }
	call(t, base, nurse, "GET", "/api/v1/patients?mrn="+url.QueryEscape(canaries["mrn"]), "", &list)
	if got != created || len(list.Patients) != 1 || list.Patients[0] != created {
		t.Fatalf("read back: %+v, %+v", got, list)
	}
	canaries["edited_phone"] = fmt.Sprintf("+44 %010s", digits(1e10))
	call(t, base, nurse, "PATCH", "/api/v1/patients/"+created.ID, fmt.Sprintf(`{"phone":%q}`, canaries["edited_phone"]), &got)
	if got.Phone != canaries["edited_phone"] {
		t.Fatalf("edited: %+v", got)
	}
	// The Go client: look-up by birth date and name, deactivation.
	nc := client.New(base, client.Options{InsecureSkipVerify: true})
	nc.SetToken(nurse)
	found, err := nc.PatientsByBirthDateAndName(ctx, birth, strings.ToUpper(canaries["family_name"]))
	if err != nil || len(found) != 1 || found[0].ID != created.ID || found[0].Guardian != canaries["guardian"] {
		t.Fatalf("by birth date and name: %+v %v", found, err)
	}
	if err := nc.DeactivatePatient(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if p, err := nc.Patient(ctx, created.ID); err != nil || p.Status != "deactivated" {
		t.Fatalf("after deactivation: %+v %v", p, err)
	}

	scan := func(when string) {
		t.Helper()
		control := false
		check := func(where string, data []byte) {
			for field, c := range canaries {
				for _, form := range []string{c, hex.EncodeToString([]byte(c))} {
					if bytes.Contains(bytes.ToUpper(data), []byte(strings.ToUpper(form))) {
						t.Errorf("%s: the %s canary %q is in %s", when, field, c, where)
					}
				}
			}
			control = control || bytes.Contains(data, []byte(ownerEmail)) || bytes.Contains(data, []byte(hex.EncodeToString([]byte(ownerEmail))))
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			check(filepath.Base(path), data)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if dbURL != "" {
			for table, data := range dumpSchema(t, dbURL) {
				check("table "+table, data)
			}
		}
		if !control {
			t.Fatalf("%s: the owner's email is in no file or table: the search does not work", when)
		}
	}
	if dbURL == "" {
		if _, err := os.Stat(filepath.Join(dir, store.SQLiteFile+"-wal")); err != nil {
			t.Fatalf("no WAL to search: %v", err)
		}
	}
	scan("while serving")
	stop()
	scan("after stopping")
	out := logs.String() + stdout.String()
	if !strings.Contains(out, `"msg":"request"`) {
		t.Fatalf("the log does not hold the request lines; is it captured? %.300s", out)
	}
	for field, c := range canaries {
		if strings.Contains(out, c) || strings.Contains(out, url.QueryEscape(c)) {
			t.Errorf("the %s canary %q is in the log", field, c)
		}
	}
}

// dumpSchema returns every row of every table of the PostgreSQL schema
// dbURL's search_path names, as text (bytea as hex), by table.
func dumpSchema(t *testing.T, dbURL string) map[string][]byte {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables in schema %s", len(tables), schema)
	}
	out := map[string][]byte{}
	for _, table := range tables {
		rows, err := db.Query(fmt.Sprintf("SELECT t::text FROM %q.%q t", schema, table))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			buf.WriteString(line)
			buf.WriteByte('\n')
		}
		rows.Close()
		out[table] = buf.Bytes()
	}
	return out
}

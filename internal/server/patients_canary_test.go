package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
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
	srv := startCanaryServer(t, dbURL, "Record Clinic", "record.example", "")
	base, nurse := srv.base, srv.nurse

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

	srv.stopAndSearch(t, canaries)
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

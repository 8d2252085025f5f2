package client_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client merges a duplicate record into another and unmerges it.
func TestClientMergePatient(t *testing.T) {
	ctx := context.Background()
	_, ana, _, _, _ := startServer(t)
	surv, err := ana.CreatePatient(ctx, client.PatientFields{MRN: "M-1", GivenName: "Cleo", FamilyName: "Client", BirthDate: "1990-05-05"})
	if err != nil {
		t.Fatal(err)
	}
	dup, err := ana.CreatePatient(ctx, client.PatientFields{MRN: "M-2", GivenName: "Cleo", FamilyName: "Client", BirthDate: "1990-05-05"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ana.MergePatient(ctx, dup.ID, surv.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := ana.Patient(ctx, dup.ID); err != nil || got.MergedInto != surv.ID {
		t.Fatalf("merged: %+v %v", got, err)
	}
	if err := ana.UnmergePatient(ctx, dup.ID); err != nil {
		t.Fatal(err)
	}
	if err := ana.UnmergePatient(ctx, dup.ID); client.Code(err) != "conflict" {
		t.Fatalf("unmerging twice: %v", err)
	}
}

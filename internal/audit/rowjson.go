package audit

import (
	"encoding/hex"
	"encoding/json"

	"github.com/wardhealth/ward/internal/store"
)

// RowJSON is one stored event as 'ward audit export --format jsonl' writes
// it (the fields of ExportColumns), without the newline. The compliance
// archive (internal/archive) holds the events about its conversations so.
func RowJSON(r *store.AuditRow) ([]byte, error) {
	x := exportRecord{
		Seq: r.Seq, Time: r.At.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), OrgID: r.OrgID,
		ActorUserID: r.ActorUserID, ActorRole: r.ActorRole, ActorDeviceID: r.ActorDeviceID, ActorIP: r.ActorIP,
		Action: r.Action, ResourceType: r.ResourceType, ResourceID: r.ResourceID, PatientID: r.PatientID,
		Outcome: r.Outcome, Reason: r.Reason, Hash: hex.EncodeToString(r.Hash), MAC: hex.EncodeToString(r.MAC),
	}
	return json.Marshal(&x)
}

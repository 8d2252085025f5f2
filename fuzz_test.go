package ward

import (
	"encoding/json"
	"testing"
)

// FuzzPolicyJSON decodes arbitrary policy documents (PUT /api/v1/policy):
// no panic, and whatever decodes and validates survives a round trip.
func FuzzPolicyJSON(f *testing.F) {
	good, _ := json.Marshal(DefaultPolicy())
	for _, s := range []string{string(good), `{"idle_timeout":-1}`, `{"idle_timeout":1e30}`, `{"idle_timeout":"9"}`,
		`{"session_lifetime":9223372036854775807}`, `{}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := DefaultPolicy()
		if json.Unmarshal(b, &p) != nil || p.Validate() != nil {
			return
		}
		again, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var q Policy
		if err := json.Unmarshal(again, &q); err != nil || q != p {
			t.Fatalf("round trip changed the policy: %+v → %+v (%v)", p, q, err)
		}
	})
}

package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/passkeytest"
)

// send makes a JSON request and decodes the JSON answer.
func (e *env) send(t *testing.T, method, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// A passkey through the API: enrol, list, sign in with password + passkey,
// remove.
func TestPasskeyAPI(t *testing.T) {
	e := newEnv(t)
	email, pw := e.email[ward.RoleClinician], e.pw[ward.RoleClinician]
	token := e.token(t, email, pw)
	key, err := passkeytest.New("https://localhost")
	if err != nil {
		t.Fatal(err)
	}

	status, out := e.send(t, "POST", "/api/v1/mfa/webauthn", token, nil)
	if status != http.StatusCreated || out["challenge_id"] == "" {
		t.Fatalf("begin registration: %d %v", status, out)
	}
	options, _ := json.Marshal(out["options"])
	resp, err := key.Register(options)
	if err != nil {
		t.Fatal(err)
	}
	status, out = e.send(t, "POST", "/api/v1/mfa/webauthn/confirm", token,
		map[string]any{"challenge_id": out["challenge_id"], "name": "Badge key", "response": json.RawMessage(resp)})
	codes, _ := out["recovery_codes"].([]any)
	if status != http.StatusCreated || len(codes) != 10 {
		t.Fatalf("confirm registration: %d %v", status, out)
	}
	status, out = e.send(t, "GET", "/api/v1/mfa/webauthn", token, nil)
	list, _ := out["passkeys"].([]any)
	if status != http.StatusOK || len(list) != 1 || list[0].(map[string]any)["id"] != key.CredentialID() {
		t.Fatalf("list: %d %v", status, out)
	}

	// Password alone: 401 mfa_required, naming the factor.
	login := map[string]any{"email": email, "password": pw, "device": map[string]string{"id": "passkey-device-1", "name": "pc"}}
	status, out = e.send(t, "POST", "/api/v1/sessions", "", login)
	if factors, _ := out["factors"].([]any); status != http.StatusUnauthorized || out["code"] != "mfa_required" ||
		!slices.Equal(factors, []any{"webauthn"}) {
		t.Fatalf("password alone: %d %v", status, out)
	}
	// A wrong password gets no challenge.
	bad := map[string]any{"email": email, "password": "not the password", "device": login["device"]}
	if status, out = e.send(t, "POST", "/api/v1/sessions/webauthn/challenge", "", bad); status != http.StatusUnauthorized {
		t.Fatalf("challenge with a wrong password: %d %v", status, out)
	}
	status, out = e.send(t, "POST", "/api/v1/sessions/webauthn/challenge", "", login)
	if status != http.StatusOK {
		t.Fatalf("challenge: %d %v", status, out)
	}
	options, _ = json.Marshal(out["options"])
	assertion, err := key.Assert(options)
	if err != nil {
		t.Fatal(err)
	}
	login["webauthn"] = map[string]any{"challenge_id": out["challenge_id"], "response": json.RawMessage(assertion)}
	status, out = e.send(t, "POST", "/api/v1/sessions", "", login)
	if status != http.StatusCreated || out["token"] == "" {
		t.Fatalf("password + passkey: %d %v", status, out)
	}
	if status, _ = e.send(t, "POST", "/api/v1/sessions", "", login); status != http.StatusUnauthorized {
		t.Errorf("replayed passkey sign-in: %d", status)
	}
	login["webauthn"] = map[string]any{"challenge_id": "", "response": json.RawMessage(assertion)}
	if status, out = e.send(t, "POST", "/api/v1/sessions", "", login); status != http.StatusBadRequest {
		t.Errorf("passkey answer without challenge_id: %d %v", status, out)
	}

	if status, _ = e.send(t, "DELETE", "/api/v1/mfa/webauthn/bm90LWEta2V5", token, nil); status != http.StatusNotFound {
		t.Errorf("delete of an unknown passkey: %d", status)
	}
	other := e.token(t, e.email[ward.RoleStaff], e.pw[ward.RoleStaff])
	if status, _ = e.send(t, "DELETE", "/api/v1/mfa/webauthn/"+key.CredentialID(), other, nil); status != http.StatusNotFound {
		t.Errorf("delete of another user's passkey: %d", status)
	}
	if status, _ = e.send(t, "DELETE", "/api/v1/mfa/webauthn/"+key.CredentialID(), token, nil); status != http.StatusNoContent {
		t.Errorf("delete: %d", status)
	}
}

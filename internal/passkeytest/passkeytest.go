package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
)

// Authenticator holds one credential once Register has run.
type Authenticator struct {
	Origin  string // the origin the "browser" reports in clientDataJSON
	Counter uint32 // the signature counter; Assert adds one before signing

	key        *ecdsa.PrivateKey
	rpID       string
	credID     []byte
	userHandle []byte
}

// New makes an authenticator whose browser runs at origin.
func New(origin string) (*Authenticator, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &Authenticator{Origin: origin, key: key, credID: id}, nil
}

// CredentialID is the credential's id, base64url without padding.
func (a *Authenticator) CredentialID() string { return b64(a.credID) }

// options is what the authenticator reads of navigator.credentials options.
type options struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"` // sign-in
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"` // registration
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	} `json:"publicKey"`
}

const (
	flagUP = 0x01 // user present
	flagUV = 0x04 // user verified
	flagAT = 0x40 // attested credential data included
)

// Register answers creation options (the JSON for
// navigator.credentials.create) with the PublicKeyCredential JSON.
func (a *Authenticator) Register(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	if o.PublicKey.Challenge == "" || o.PublicKey.RP.ID == "" {
		return nil, errors.New("passkeytest: not creation options")
	}
	handle, err := base64.RawURLEncoding.DecodeString(o.PublicKey.User.ID)
	if err != nil {
		return nil, fmt.Errorf("passkeytest: user id: %w", err)
	}
	a.rpID, a.userHandle = o.PublicKey.RP.ID, handle
	pub, err := a.key.PublicKey.Bytes() // 0x04 ‖ X ‖ Y
	if err != nil {
		return nil, err
	}
	cose, err := webauthncbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: pub[1:33], -3: pub[33:65]})
	if err != nil {
		return nil, err
	}
	authData := a.authData(flagUP | flagUV | flagAT)
	authData = append(authData, make([]byte, 16)...) // AAGUID: none
	authData = binary.BigEndian.AppendUint16(authData, uint16(len(a.credID)))
	authData = append(authData, a.credID...)
	authData = append(authData, cose...)
	attObj, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64(a.credID), "rawId": b64(a.credID), "type": "public-key", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64(a.clientData("webauthn.create", o.PublicKey.Challenge)),
			"attestationObject": b64(attObj),
			"transports":        []string{"internal"},
		},
	})
}

// Assert answers request options (the JSON for navigator.credentials.get)
// with the PublicKeyCredential JSON, signed with the next counter value.
func (a *Authenticator) Assert(optionsJSON []byte) ([]byte, error) {
	var o options
	if err := json.Unmarshal(optionsJSON, &o); err != nil {
		return nil, err
	}
	if o.PublicKey.Challenge == "" || a.rpID == "" {
		return nil, errors.New("passkeytest: not request options, or not registered")
	}
	if o.PublicKey.RPID != "" && o.PublicKey.RPID != a.rpID {
		return nil, errors.New("passkeytest: no credential for this relying party")
	}
	a.Counter++
	authData := a.authData(flagUP | flagUV)
	clientData := a.clientData("webauthn.get", o.PublicKey.Challenge)
	cdHash := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(authData, cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64(a.credID), "rawId": b64(a.credID), "type": "public-key", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON": b64(clientData), "authenticatorData": b64(authData),
			"signature": b64(sig), "userHandle": b64(a.userHandle),
		},
	})
}

// authData starts authenticator data: the RP id hash, flags and counter.
func (a *Authenticator) authData(flags byte) []byte {
	h := sha256.Sum256([]byte(a.rpID))
	d := append(h[:], flags)
	return binary.BigEndian.AppendUint32(d, a.Counter)
}

func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

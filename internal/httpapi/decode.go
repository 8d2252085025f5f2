package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/wardhealth/ward"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 64 << 10

// decode reads one JSON object from r's body into v, strictly: the
// Content-Type must be JSON, the body valid UTF-8 and at most maxJSONBody
// bytes, with no unknown fields and nothing after the object.
func decode(r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return ward.Errorf(ward.CodeUnsupported, "send Content-Type: application/json")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return ward.Errorf(ward.CodeInvalid, "could not read the request body")
	}
	if len(body) > maxJSONBody {
		return ward.Errorf(ward.CodeTooLarge, "the request body is over %d KiB", maxJSONBody>>10)
	}
	return decodeJSON(body, v)
}

// decodeJSON decodes one JSON object from body into v, strictly: valid
// UTF-8, no unknown fields and nothing after the object. For request
// bodies (decode) and WebSocket frames.
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return ward.Errorf(ward.CodeInvalid, "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return ward.Errorf(ward.CodeInvalid, "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return ward.Errorf(ward.CodeInvalid, "the request body holds more than one JSON value")
	}
	return nil
}

// jsonError explains a decoding error without echoing the input.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var we *ward.Error
	switch {
	case errors.As(err, &we):
		return we
	case errors.As(err, &syn):
		return ward.Errorf(ward.CodeInvalid, "malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field != "" {
			return ward.Errorf(ward.CodeInvalid, "field %q must be a %s", typ.Field, typ.Type.Kind())
		}
		return ward.Errorf(ward.CodeInvalid, "the request body must be a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ward.Errorf(ward.CodeInvalid, "malformed JSON: the body ends too early")
	}
	if msg := err.Error(); len(msg) > 20 && msg[:20] == "json: unknown field " {
		return ward.Errorf(ward.CodeInvalid, "unknown field %s", msg[20:])
	}
	return ward.Errorf(ward.CodeInvalid, "malformed JSON")
}

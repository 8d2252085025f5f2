package httpapi

import (
	"bytes"
	"encoding/json/jsontext"
	json "encoding/json/v2"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
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
// UTF-8, no unknown fields, no field twice, field names matched exactly
// (case-sensitively), and nothing after the object. For request bodies
// (decode) and WebSocket frames.
//
// Duplicate and case-variant keys are refused rather than resolved: with
// encoding/json (v1), {"kind":"read","Kind":"delivered"} decodes as
// delivered, while a proxy, an audit tool or another client library may
// read it as read (a parser differential). encoding/json/v2 refuses both by
// default, in the same single pass, and is faster than v1 on a send frame
// (BenchmarkDecodeFrame, docs/BENCHMARKS.md).
func decodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return ward.Errorf(ward.CodeInvalid, "the request body is empty; send a JSON object")
	}
	if !utf8.Valid(body) {
		return ward.Errorf(ward.CodeInvalid, "the request body is not valid UTF-8")
	}
	if err := json.Unmarshal(body, v, json.RejectUnknownMembers(true)); err != nil {
		return jsonError(err)
	}
	return nil
}

// decodeLenient decodes what it can of a client frame: fields other
// frames do not know are skipped (a ping may carry anything), but a field
// named twice, or in another case than its own, is refused as in
// decodeJSON, so that the lenient reading of a frame never differs from
// the strict one. (Only frames the strict decoding refused come here.)
func decodeLenient(data []byte, f *clientFrame) error {
	if err := json.Unmarshal(data, f, json.MatchCaseInsensitiveNames(true)); err != nil {
		return err // a duplicate, in any case, is an error here
	}
	var exact clientFrame
	if json.Unmarshal(data, &exact) != nil || exact != *f {
		return ward.Errorf(ward.CodeInvalid, "field names are case-sensitive: type, ref, conversation_id, …")
	}
	return nil
}

// jsonError explains a decoding error without echoing the input (beyond a
// field's name).
func jsonError(err error) error {
	var we *ward.Error
	var sem *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &we):
		return we
	case errors.Is(err, jsontext.ErrDuplicateName):
		return ward.Errorf(ward.CodeInvalid, "field %q appears more than once", fieldName(err))
	case errors.Is(err, json.ErrUnknownName):
		return ward.Errorf(ward.CodeInvalid, "unknown field %q (field names are case-sensitive)", fieldName(err))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return ward.Errorf(ward.CodeInvalid, "malformed JSON: the body ends too early")
	case errors.As(err, &syn):
		if strings.Contains(syn.Err.Error(), "after top-level value") {
			return ward.Errorf(ward.CodeInvalid, "the request body holds more than one JSON value")
		}
		return ward.Errorf(ward.CodeInvalid, "malformed JSON at byte %d", syn.ByteOffset)
	case errors.As(err, &sem) && sem.GoType != nil:
		if name := fieldName(err); name != "" {
			return ward.Errorf(ward.CodeInvalid, "field %q must be a %s", name, kindName(sem.GoType))
		}
		return ward.Errorf(ward.CodeInvalid, "the request body must be a JSON object")
	}
	return ward.Errorf(ward.CodeInvalid, "malformed JSON")
}

// fieldName is the name of the member a decoding error is about, as a
// dotted path ("device.id"), or "".
func fieldName(err error) string {
	var ptr jsontext.Pointer
	var sem *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &sem):
		ptr = sem.JSONPointer
	case errors.As(err, &syn):
		ptr = syn.JSONPointer
	}
	var parts []string
	for tok := range ptr.Tokens() {
		parts = append(parts, tok)
	}
	return strings.Join(parts, ".")
}

// kindName is how an error names the JSON a Go type wants.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "list"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return "JSON object"
}

package backup

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
)

// value is one column value of a PostgreSQL table entry, tagged with its
// type so that a restore gives the driver back what it read: I an integer
// (as a string: JSON numbers lose precision), F a float, T a bool, S a
// string, B bytes (base64), A a time (RFC 3339); all empty is NULL.
type value struct {
	I *string  `json:"i,omitempty"`
	F *float64 `json:"f,omitempty"`
	T *bool    `json:"t,omitempty"`
	S *string  `json:"s,omitempty"`
	B *string  `json:"b,omitempty"`
	A *string  `json:"a,omitempty"`
}

func encodeValue(v any) (value, error) {
	switch x := v.(type) {
	case nil:
		return value{}, nil
	case int64:
		s := strconv.FormatInt(x, 10)
		return value{I: &s}, nil
	case float64:
		return value{F: &x}, nil
	case bool:
		return value{T: &x}, nil
	case string:
		return value{S: &x}, nil
	case []byte:
		s := base64.StdEncoding.EncodeToString(x)
		return value{B: &s}, nil
	case time.Time:
		s := x.Format(time.RFC3339Nano)
		return value{A: &s}, nil
	}
	return value{}, fmt.Errorf("a value of type %T cannot be backed up", v)
}

func (v value) decode() (any, error) {
	switch {
	case v.I != nil:
		return strconv.ParseInt(*v.I, 10, 64)
	case v.F != nil:
		return *v.F, nil
	case v.T != nil:
		return *v.T, nil
	case v.S != nil:
		return *v.S, nil
	case v.B != nil:
		return base64.StdEncoding.DecodeString(*v.B)
	case v.A != nil:
		return time.Parse(time.RFC3339Nano, *v.A)
	}
	return nil, nil
}

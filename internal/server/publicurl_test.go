package server_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/passkeys"
	"github.com/wardhealth/ward/internal/server"
)

func TestRelyingParty(t *testing.T) {
	rp := func(id, origin string) passkeys.Config {
		return passkeys.Config{RPID: id, RPOrigins: []string{origin}, RPName: "ward"}
	}
	for _, tc := range []struct {
		addr, public string
		want         passkeys.Config
		bad          bool
	}{
		{addr: "127.0.0.1:8443", want: rp("localhost", "https://localhost:8443")},
		{addr: "", want: rp("localhost", "https://localhost:8443")},
		{addr: "0.0.0.0:443", want: rp("localhost", "https://localhost")},
		{addr: "[::1]:9000", want: rp("localhost", "https://localhost:9000")},
		{public: "https://Ward.StMary.example", want: rp("ward.stmary.example", "https://ward.stmary.example")},
		{public: "https://ward.stmary.example:443/app/", want: rp("ward.stmary.example", "https://ward.stmary.example")},
		{public: "https://ward.stmary.example:8443", want: rp("ward.stmary.example", "https://ward.stmary.example:8443")},
		{public: "http://localhost:8080", want: rp("localhost", "http://localhost:8080")},
		{public: "http://ward.stmary.example", bad: true},
		{public: "https://10.0.0.5:8443", bad: true},
		{public: "ward.stmary.example", bad: true},
		{public: "https://user@ward.stmary.example", bad: true},
		{addr: "nonsense", bad: true},
	} {
		got, err := server.RelyingParty(server.Config{Addr: tc.addr, PublicURL: tc.public})
		if tc.bad {
			if err == nil {
				t.Errorf("%q %q: %+v, want an error", tc.addr, tc.public, got)
			}
			continue
		}
		if err != nil || !cmp.Equal(got, tc.want) {
			t.Errorf("%q %q: %+v %v, want %+v", tc.addr, tc.public, got, err, tc.want)
		}
		if _, err := app.New(app.Config{WebAuthn: got}); err != nil {
			t.Errorf("%q %q: app.New refuses %+v: %v", tc.addr, tc.public, got, err)
		}
	}
}

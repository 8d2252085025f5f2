package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestConformanceWebAuthn(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cred := store.WebAuthnCredential{ID: []byte{0, 1, 2, 0xff}, UserID: "u1", Name: "YubiKey",
			PublicKey: []byte{0xa5, 1, 2}, SignCount: 7, AAGUID: make([]byte, 16), Transports: []string{"usb", "nfc"}, Flags: 5}
		mustWrite(t, s, func(tx *store.Tx) error {
			for _, u := range []ward.User{
				{ID: "u1", OrgID: "o1", Email: "a@x.org", Name: "A", Role: ward.RoleClinician},
				{ID: "u2", OrgID: "o1", Email: "b@x.org", Name: "B", Role: ward.RoleClinician},
			} {
				if u.ID == "u1" {
					if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "a", Name: "A"}); err != nil {
						return err
					}
				}
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
			}
			c2 := store.WebAuthnCredential{ID: []byte("second"), UserID: "u1", Name: "laptop", PublicKey: []byte{1}}
			if err := tx.CreateWebAuthnCredential(ctx, &cred); err != nil {
				return err
			}
			return tx.CreateWebAuthnCredential(ctx, &c2)
		})

		err := s.Write(ctx, func(tx *store.Tx) error {
			dup := cred
			dup.UserID = "u2"
			return tx.CreateWebAuthnCredential(ctx, &dup)
		})
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Errorf("a credential id registered twice: %v, want conflict", err)
		}

		mustWrite(t, s, func(tx *store.Tx) error {
			list, err := tx.WebAuthnCredentials(ctx, "u1")
			if err != nil {
				return err
			}
			want := cred
			want.CreatedAt = tx.Now.Truncate(time.Microsecond)
			if len(list) != 2 || !cmp.Equal(list[0], want) || list[1].Name != "laptop" || list[1].Transports != nil {
				t.Errorf("WebAuthnCredentials = %+v, want [%+v laptop]", list, want)
			}
			if list, err := tx.WebAuthnCredentials(ctx, "u2"); err != nil || len(list) != 0 {
				t.Errorf("u2's credentials %v %v", list, err)
			}
			// The counter moves forward only.
			for _, c := range []struct {
				count uint32
				want  bool
			}{{7, false}, {3, false}, {8, true}, {8, false}, {0, false}} {
				ok, err := tx.UseWebAuthnCredential(ctx, "u1", cred.ID, c.count, 5)
				if err != nil || ok != c.want {
					t.Errorf("UseWebAuthnCredential(%d) = %v %v, want %v", c.count, ok, err, c.want)
				}
			}
			if ok, _ := tx.UseWebAuthnCredential(ctx, "u2", cred.ID, 99, 5); ok {
				t.Error("another user's credential was used")
			}
			// An authenticator without a counter always reports zero.
			for range 2 {
				if ok, err := tx.UseWebAuthnCredential(ctx, "u1", []byte("second"), 0, 1); !ok || err != nil {
					t.Errorf("zero counter refused: %v %v", ok, err)
				}
			}
			list, _ = tx.WebAuthnCredentials(ctx, "u1")
			if list[0].SignCount != 8 || !list[0].LastUsedAt.Equal(want.CreatedAt) || list[1].Flags != 1 {
				t.Errorf("after use: %+v", list)
			}
			if err := tx.DeleteWebAuthnCredential(ctx, "u2", cred.ID); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("delete of another user's credential: %v", err)
			}
			if err := tx.DeleteWebAuthnCredential(ctx, "u1", cred.ID); err != nil {
				return err
			}
			if err := tx.DeleteWebAuthnCredential(ctx, "u1", cred.ID); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("second delete: %v", err)
			}
			return nil
		})

		// Challenges: taken once, by their user and kind; expired ones are dropped.
		mustWrite(t, s, func(tx *store.Tx) error {
			old := store.WebAuthnChallenge{ID: "c0", UserID: "u1", SessionData: "{}", Kind: store.ChallengeLogin, ExpiresAt: tx.Now.Add(-time.Second)}
			if err := tx.CreateWebAuthnChallenge(ctx, old); err != nil {
				return err
			}
			c := store.WebAuthnChallenge{ID: "c1", UserID: "u1", SessionData: `{"challenge":"x"}`, Kind: store.ChallengeRegister,
				ExpiresAt: tx.Now.Add(5 * time.Minute).Truncate(time.Microsecond)}
			if err := tx.CreateWebAuthnChallenge(ctx, c); err != nil {
				return err
			}
			if err := tx.CreateWebAuthnChallenge(ctx, store.WebAuthnChallenge{ID: "c2", UserID: "u1", Kind: "other"}); ward.ErrorCode(err) != ward.CodeInvalid {
				t.Errorf("unknown kind: %v", err)
			}
			if _, err := tx.TakeWebAuthnChallenge(ctx, "c0", "u1", store.ChallengeLogin); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("the expired challenge was kept: %v", err)
			}
			for _, wrong := range [][2]string{{"u2", store.ChallengeRegister}, {"u1", store.ChallengeLogin}} {
				if _, err := tx.TakeWebAuthnChallenge(ctx, "c1", wrong[0], wrong[1]); ward.ErrorCode(err) != ward.CodeNotFound {
					t.Errorf("Take as %v: %v", wrong, err)
				}
			}
			got, err := tx.TakeWebAuthnChallenge(ctx, "c1", "u1", store.ChallengeRegister)
			if err != nil || !cmp.Equal(got, c) {
				t.Errorf("Take = %+v %v, want %+v", got, err, c)
			}
			if _, err := tx.TakeWebAuthnChallenge(ctx, "c1", "u1", store.ChallengeRegister); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("a challenge was taken twice: %v", err)
			}
			if err := tx.CreateWebAuthnChallenge(ctx, store.WebAuthnChallenge{ID: "c3", UserID: "u1", SessionData: "{}",
				Kind: store.ChallengeLogin, ExpiresAt: tx.Now.Add(time.Minute)}); err != nil {
				return err
			}
			if err := tx.DeleteWebAuthnCredentials(ctx, "u1"); err != nil {
				return err
			}
			if list, err := tx.WebAuthnCredentials(ctx, "u1"); err != nil || len(list) != 0 {
				t.Errorf("after DeleteWebAuthnCredentials: %v %v", list, err)
			}
			if _, err := tx.TakeWebAuthnChallenge(ctx, "c3", "u1", store.ChallengeLogin); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("a reset left a challenge: %v", err)
			}
			return nil
		})
	})
}

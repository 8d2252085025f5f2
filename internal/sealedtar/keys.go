package sealedtar

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"filippo.io/age"
)

// Recipient is what a sealed tar is encrypted to: exactly one of an age
// recipient ("age1…") and a passphrase (scrypt, log2 N workFactor; 0 is
// age's default). env names where the passphrase comes from, for messages.
func Recipient(recipient, passphrase string, workFactor int, env string) (age.Recipient, error) {
	switch {
	case recipient != "" && passphrase != "":
		return nil, errors.New("give --recipient or a passphrase (" + env + "), not both")
	case recipient != "":
		r, err := age.ParseX25519Recipient(strings.TrimSpace(recipient))
		if err != nil {
			return nil, fmt.Errorf("--recipient: %v", err)
		}
		return r, nil
	case passphrase != "":
		r, err := age.NewScryptRecipient(passphrase)
		if err != nil {
			return nil, err
		}
		if workFactor > 0 {
			r.SetWorkFactor(workFactor)
		}
		return r, nil
	}
	return nil, errors.New("no key: give --recipient age1… or a passphrase in " + env)
}

// Identities is what opens a sealed tar: an age identity file (as
// age-keygen writes it) or the passphrase. env names where the passphrase
// comes from, for messages.
func Identities(identityFile, passphrase, env string) ([]age.Identity, error) {
	switch {
	case identityFile != "" && passphrase != "":
		return nil, errors.New("give --identity or a passphrase (" + env + "), not both")
	case identityFile != "":
		f, err := os.Open(identityFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		ids, err := age.ParseIdentities(f)
		if err != nil {
			return nil, fmt.Errorf("--identity %s: %v", identityFile, err)
		}
		return ids, nil
	case passphrase != "":
		id, err := age.NewScryptIdentity(passphrase)
		if err != nil {
			return nil, err
		}
		return []age.Identity{id}, nil
	}
	return nil, errors.New("no key: give --identity FILE (an age identity) or a passphrase in " + env)
}

package auth

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordsFile is the shipped list of common passwords; its header
// names the source and licence.
//
//go:embed common-passwords.txt
var commonPasswordsFile string

// commonPasswords is the list parsed into a set, once, on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 50_000)
	for line := range strings.Lines(commonPasswordsFile) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || line == "#" || strings.HasPrefix(line, "# ") {
			continue
		}
		set[line] = struct{}{}
	}
	return set
})

// isCommonPassword reports whether lower, a lower-cased password, is on the
// list.
func isCommonPassword(lower string) bool {
	_, ok := commonPasswords()[lower]
	return ok
}

package httpapi

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestErrorCodesAreDocumented keeps docs/errors.md true: every code in the
// code→status table has its row, with its status.
func TestErrorCodesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/errors.md")
	if err != nil {
		t.Fatal(err)
	}
	for code, status := range statusOf {
		if row := fmt.Sprintf("| `%s` | %d |", code, status); !strings.Contains(string(doc), row) {
			t.Errorf("docs/errors.md has no row %q", row)
		}
	}
}

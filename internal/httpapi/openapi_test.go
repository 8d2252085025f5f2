package httpapi_test

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/wardhealth/ward/internal/httpapi"
)

// TestEveryRouteIsDocumented keeps api/openapi.yaml true: every /api route
// ward serves has its path and method in the spec, and the spec names no
// /api route ward does not serve.
func TestEveryRouteIsDocumented(t *testing.T) {
	f, err := os.Open("../../api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pathLine := regexp.MustCompile(`^  (/[^:\s]*):\s*$`)
	methodLine := regexp.MustCompile(`^    (get|post|put|patch|delete):`)
	documented := map[string]bool{}
	current := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := pathLine.FindStringSubmatch(sc.Text()); m != nil {
			current = m[1]
		} else if m := methodLine.FindStringSubmatch(sc.Text()); m != nil && current != "" {
			documented[strings.ToUpper(m[1])+" "+current] = true
		} else if !strings.HasPrefix(sc.Text(), " ") {
			current = ""
		}
	}
	served := map[string]bool{}
	for _, rt := range httpapi.New(httpapi.Config{}).Routes() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/") {
			continue
		}
		served[rt.Pattern] = true
		if !documented[method+" "+path] {
			t.Errorf("%s is not in api/openapi.yaml", rt.Pattern)
		}
	}
	for d := range documented {
		if strings.Contains(d, " /api/") && !served[d] {
			t.Errorf("api/openapi.yaml documents %s, which ward does not serve", d)
		}
	}
}

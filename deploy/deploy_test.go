package deploy_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// goBuild is one `go build` command line: its environment assignments and
// its arguments, the output path (-o) left out.
type goBuild struct {
	env  []string
	args []string
}

func parseGoBuild(t *testing.T, line string) goBuild {
	t.Helper()
	var b goBuild
	fields := strings.Fields(line)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case f == "go" || f == "$(GO)":
		case f == "-o":
			i++ // the output path differs: bin/ward, /out/ward
		case len(b.args) == 0 && f != "build" && strings.Contains(f, "="):
			b.env = append(b.env, f)
		default:
			b.args = append(b.args, f)
		}
	}
	slices.Sort(b.env)
	if len(b.args) == 0 || b.args[0] != "build" {
		t.Fatalf("not a go build: %q", line)
	}
	return b
}

// makeRecipe returns the recipe lines of a Makefile target.
func makeRecipe(t *testing.T, target string) []string {
	t.Helper()
	data, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, target+":"):
			in = true
		case in && strings.HasPrefix(line, "\t"):
			lines = append(lines, strings.TrimSpace(line))
		case in:
			return lines
		}
	}
	return lines
}

// dockerfile returns the Dockerfile's instructions, continuation lines
// joined and comments dropped.
func dockerfile(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || line == "" && cur.Len() == 0 {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// TestDockerfileBuildsLikeMake: the image's binary is built with the same
// flags as `make build` (static: CGO_ENABLED=0; -trimpath; the VCS stamp
// /healthz reports), and `make docker` builds deploy/Dockerfile.
func TestDockerfileBuildsLikeMake(t *testing.T) {
	var makeBuild string
	for _, l := range makeRecipe(t, "build") {
		if strings.Contains(l, " build ") {
			makeBuild = l
		}
	}
	if makeBuild == "" {
		t.Fatal("no go build in the Makefile's build target")
	}
	var dockerBuild string
	for _, ins := range dockerfile(t) {
		if strings.HasPrefix(ins, "RUN ") && strings.Contains(ins, " build ") {
			var kept []string
			for _, f := range strings.Fields(strings.TrimPrefix(ins, "RUN ")) {
				if !strings.HasPrefix(f, "--mount=") {
					kept = append(kept, f)
				}
			}
			dockerBuild = strings.Join(kept, " ")
		}
	}
	if dockerBuild == "" {
		t.Fatal("no go build in the Dockerfile")
	}
	m, d := parseGoBuild(t, makeBuild), parseGoBuild(t, dockerBuild)
	if !slices.Equal(m.env, d.env) || !slices.Equal(m.args, d.args) {
		t.Errorf("the Dockerfile builds with %q %q; make build with %q %q", d.env, d.args, m.env, m.args)
	}
	if !slices.Contains(d.env, "CGO_ENABLED=0") {
		t.Errorf("the image's binary is not static: %q", d.env)
	}
	// The build stage's Go is the toolchain go.mod names (GOTOOLCHAIN=local fetches none).
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	toolchain := regexp.MustCompile(`(?m)^toolchain go(\S+)$`).FindSubmatch(mod)
	goVersion := regexp.MustCompile(`(?m)^ARG GO_VERSION=(\S+)$`).FindSubmatch([]byte(strings.Join(dockerfile(t), "\n")))
	if toolchain == nil || goVersion == nil || string(toolchain[1]) != string(goVersion[1]) {
		t.Errorf("the Dockerfile builds with Go %s, go.mod names toolchain %s", goVersion, toolchain)
	}
	docker := strings.Join(makeRecipe(t, "docker"), "\n")
	if !strings.Contains(docker, "-f deploy/Dockerfile") {
		t.Errorf("make docker does not build deploy/Dockerfile:\n%s", docker)
	}
}

// TestDockerImageRunsUnprivileged: the final stage is distroless static
// (or scratch), runs as a non-root user, keeps the data dir in a volume and
// listens on the port it exposes; the build context leaves data dirs and
// keys out.
func TestDockerImageRunsUnprivileged(t *testing.T) {
	ins := dockerfile(t)
	last := -1
	for i, in := range ins {
		if strings.HasPrefix(in, "FROM ") {
			last = i
		}
	}
	final := ins[last:]
	from := strings.Fields(final[0])[1]
	if !regexp.MustCompile(`^(gcr\.io/distroless/static(-debian\d+)?:nonroot|scratch)$`).MatchString(from) {
		t.Errorf("the final stage is FROM %s", from)
	}
	get := func(word string) []string {
		var vals []string
		for _, in := range final {
			if strings.HasPrefix(in, word+" ") {
				vals = append(vals, strings.TrimSpace(strings.TrimPrefix(in, word+" ")))
			}
		}
		return vals
	}
	users := get("USER")
	if len(users) == 0 {
		t.Fatal("no USER in the final stage: it would run as root")
	}
	user := strings.Split(users[len(users)-1], ":")[0]
	if uid, err := strconv.Atoi(user); user == "root" || err == nil && uid == 0 || err != nil && user != "nonroot" {
		t.Errorf("USER %s", users[len(users)-1])
	}
	env := strings.Join(get("ENV"), " ")
	data := regexp.MustCompile(`WARD_DATA=(\S+)`).FindStringSubmatch(env)
	addr := regexp.MustCompile(`WARD_ADDR=\S*:(\d+)`).FindStringSubmatch(env)
	if data == nil || addr == nil {
		t.Fatalf("ENV does not set WARD_DATA and WARD_ADDR: %q", env)
	}
	if v := strings.Join(get("VOLUME"), " "); !strings.Contains(v, `"`+data[1]+`"`) {
		t.Errorf("VOLUME %s, want the data dir %s", v, data[1])
	}
	if e := strings.Join(get("EXPOSE"), " "); e != addr[1] {
		t.Errorf("EXPOSE %s, but ward listens on %s", e, addr[1])
	}
	if ep := strings.Join(get("ENTRYPOINT"), " "); !strings.Contains(ep, "/ward") {
		t.Errorf("ENTRYPOINT %s", ep)
	}
	ignore, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"ward-data/", "**/master.key", "*.key", "*.pem"} {
		if !slices.Contains(strings.Split(string(ignore), "\n"), must) {
			t.Errorf(".dockerignore lacks %s: the build context could carry keys or PHI", must)
		}
	}
}

// unit reads ward.service's [Service] settings: each key's values in order.
func unit(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile("ward.service")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "["):
			section = line
		case section == "[Service]":
			k, v, _ := strings.Cut(line, "=")
			out[k] = append(out[k], v)
		}
	}
	return out
}

// TestSystemdUnitHardening: the sandbox the unit promises (docs/deploy.md).
func TestSystemdUnitHardening(t *testing.T) {
	u := unit(t)
	for k, want := range map[string]string{
		"DynamicUser": "yes", "StateDirectory": "ward", "StateDirectoryMode": "0700", "UMask": "0077",
		"ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
		"NoNewPrivileges": "yes", "CapabilityBoundingSet": "", "AmbientCapabilities": "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "MemoryDenyWriteExecute": "yes",
		"LockPersonality": "yes", "RestrictNamespaces": "yes", "RestrictSUIDSGID": "yes",
		"ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectControlGroups": "yes",
		"SystemCallArchitectures": "native", "LoadCredential": "master-key:/etc/ward/master-key",
	} {
		if got := u[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if f := u["SystemCallFilter"]; len(f) == 0 || f[0] != "@system-service" {
		t.Errorf("SystemCallFilter=%q, want @system-service first", f)
	}
	env := strings.Join(u["Environment"], "\n")
	for _, want := range []string{"WARD_MASTER_KEY_FILE=%d/master-key", "WARD_DATA=/var/lib/ward"} {
		if !strings.Contains(env, want) {
			t.Errorf("Environment lacks %s", want)
		}
	}
	if s := u["ExecStart"]; len(s) != 1 || !strings.HasSuffix(s[0], "/ward serve") {
		t.Errorf("ExecStart=%q", s)
	}
}

// TestSystemdUnitVerifies runs systemd-analyze verify on the unit (its
// ExecStart pointed at an executable that exists here) and requires
// systemd-analyze security to rate its exposure 2.0 or lower ("OK"). It
// skips only where systemd-analyze is not installed.
func TestSystemdUnitVerifies(t *testing.T) {
	tool, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit is not verified here")
	}
	data, err := os.ReadFile("ward.service")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// verify checks that ExecStart's program exists; ward is not installed here.
	text := strings.Replace(string(data), "ExecStart=/usr/local/bin/ward ", "ExecStart="+self+" ", 1)
	path := filepath.Join(t.TempDir(), "ward.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "verify", "--man=no", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(tool, "security", "--offline=yes", "--no-pager", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for \S+: (\d+\.\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	level, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("systemd-analyze security: exposure %.1f", level)
	if level > 2.0 {
		t.Errorf("exposure %.1f, want 2.0 or lower:\n%s", level, out)
	}
}

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// The harness: one ward binary built from this checkout, serving a fresh
// data dir on a free port, seeded with the demo clinic and an "Idle Clinic"
// org, and one headless Chromium. Each test opens its own browser contexts
// (separate cookies and storage, like separate devices).

var keep = flag.Bool("keep", false, "keep the data dir and print the server log")

// the suite's shared state, set up once by TestMain.
var suite struct {
	skip       string // why every test skips ("" when they run)
	base       string // https://127.0.0.1:PORT
	metrics    string // http://127.0.0.1:PORT of ward's metrics listener
	bin        string
	data       string
	demoOut    string // what 'ward demo' printed
	logins     []demoLogin
	idleAdmin  string
	idlePW     string
	browser    context.Context
	artifacts  string
	serverLog  *lockedBuffer
	httpClient *http.Client
	mail       *mailbox     // the SMTP server ward sends to (--smtp)
	push       *pushService // the Web Push service ward sends to (--push-hosts, SSL_CERT_FILE)
}

type demoLogin struct{ Email, Password, Role string }

const chromiumPath = "/usr/bin/chromium"

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	browserPath := os.Getenv("WARD_CHROMIUM")
	if browserPath == "" {
		browserPath = chromiumPath
	}
	if _, err := os.Stat(browserPath); err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "e2e: no browser at %s and CI=true: install Debian's chromium (apt-get install -y chromium)\n", browserPath)
			return 1
		}
		suite.skip = "no browser at " + browserPath + " (apt-get install -y chromium; CI fails instead of skipping)"
		return m.Run()
	}
	cleanup, err := setup(browserPath)
	defer cleanup()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e setup:", err)
		if suite.serverLog != nil {
			fmt.Fprintln(os.Stderr, suite.serverLog.String())
		}
		return 1
	}
	code := m.Run()
	if code != 0 || *keep {
		os.WriteFile(filepath.Join(suite.artifacts, "ward-server.log"), []byte(suite.serverLog.String()), 0o644)
		fmt.Fprintf(os.Stderr, "e2e: server log in %s\n", filepath.Join(suite.artifacts, "ward-server.log"))
	}
	return code
}

func setup(browserPath string) (func(), error) {
	var undo []func()
	cleanup := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	tmp, err := os.MkdirTemp("", "ward-e2e-")
	if err != nil {
		return cleanup, err
	}
	if !*keep {
		undo = append(undo, func() { os.RemoveAll(tmp) })
	} else {
		fmt.Fprintln(os.Stderr, "e2e: keeping", tmp)
	}
	wd, _ := os.Getwd()
	suite.artifacts = filepath.Join(wd, "artifacts")
	if err := os.MkdirAll(suite.artifacts, 0o755); err != nil {
		return cleanup, err
	}

	// The real binary: WARD_BIN (make e2e passes the one make build made),
	// or built from this checkout.
	if suite.bin = os.Getenv("WARD_BIN"); suite.bin == "" {
		suite.bin = filepath.Join(tmp, "ward")
		build := exec.Command("go", "build", "-o", suite.bin, "./cmd/ward")
		build.Dir = filepath.Join(wd, "..")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return cleanup, fmt.Errorf("build ward: %v\n%s", err, out)
		}
	} else if suite.bin, err = filepath.Abs(suite.bin); err != nil {
		return cleanup, err
	}

	port, err := freePort()
	if err != nil {
		return cleanup, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	suite.base = "https://" + addr
	metricsPort, err := freePort()
	if err != nil {
		return cleanup, err
	}
	suite.metrics = fmt.Sprintf("http://127.0.0.1:%d", metricsPort)
	suite.data = filepath.Join(tmp, "data")

	// Seed: the demo clinic (twice: the second run must change nothing),
	// and an org of its own for the idle-logoff test, whose short policy
	// must not reach the other tests.
	out, err := ward("", "demo", "--data", suite.data, "--addr", addr)
	if err != nil {
		return cleanup, err
	}
	suite.demoOut = out
	if suite.logins = parseLogins(out); len(suite.logins) < 5 {
		return cleanup, fmt.Errorf("ward demo printed %d logins:\n%s", len(suite.logins), out)
	}
	if out, err := ward("", "demo", "--data", suite.data, "--addr", addr); err != nil || !strings.Contains(out, "already seeded") {
		return cleanup, fmt.Errorf("second ward demo: %v\n%s", err, out)
	}
	suite.idleAdmin, suite.idlePW = "owner@idle-clinic.example", "idle-clinic-owner-pass-2026"
	if out, err := ward(suite.idlePW+"\n", "init", "--data", suite.data, "--org", "Idle Clinic", "--admin", suite.idleAdmin,
		"--password-stdin", "--mfa", "optional"); err != nil {
		return cleanup, fmt.Errorf("ward init: %v\n%s", err, out)
	}

	// The mail server ward sends invitations and codes to.
	if suite.mail, err = startMailbox(); err != nil {
		return cleanup, err
	}
	undo = append(undo, suite.mail.close)

	// The push service ward sends Web Push to: its host allowed, its
	// certificate the only root ward's process trusts.
	if suite.push, err = startPushService(tmp); err != nil {
		return cleanup, err
	}
	undo = append(undo, suite.push.close)

	// Serve.
	suite.serverLog = &lockedBuffer{}
	ctx, stop := context.WithCancel(context.Background())
	srv := exec.CommandContext(ctx, suite.bin, "serve", "--data", suite.data, "--addr", addr,
		"--metrics-addr", strings.TrimPrefix(suite.metrics, "http://"), "--smtp", suite.mail.url,
		"--push-hosts", suite.push.host())
	srv.Env = append(os.Environ(), "SSL_CERT_FILE="+suite.push.caFile)
	srv.Stdout, srv.Stderr = suite.serverLog, suite.serverLog
	srv.Cancel = func() error { return srv.Process.Signal(os.Interrupt) }
	srv.WaitDelay = 10 * time.Second
	if err := srv.Start(); err != nil {
		stop()
		return cleanup, err
	}
	undo = append(undo, func() { stop(); srv.Wait() })
	suite.httpClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the self-signed certificate ward made
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := suite.httpClient.Get(suite.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			return cleanup, fmt.Errorf("ward did not answer /healthz in 30 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// One browser for every test.
	profile := filepath.Join(tmp, "chromium-profile")
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(browserPath),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.NoSandbox,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("mute-audio", true),
		// ward's certificate is self-signed; tests only.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.WindowSize(1280, 860),
	)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	undo = append(undo, cancelAlloc, cancelBrowser)
	if err := chromedp.Do(browser); err != nil {
		return cleanup, fmt.Errorf("start chromium: %w", err)
	}
	suite.browser = browser
	return cleanup, nil
}

// ward runs the binary for an administrative command.
func ward(stdin string, args ...string) (string, error) {
	cmd := exec.Command(suite.bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("ward %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

var loginLine = regexp.MustCompile(`(?m)^(\S+@\S+)\s+(\S+)\s+(owner|admin|compliance|clinician|staff|patient)\s`)

func parseLogins(out string) []demoLogin {
	var ls []demoLogin
	for _, m := range loginLine.FindAllStringSubmatch(out, -1) {
		ls = append(ls, demoLogin{Email: m[1], Password: m[2], Role: m[3]})
	}
	return ls
}

func demoLoginFor(t *testing.T, role string) demoLogin {
	t.Helper()
	for _, l := range suite.logins {
		if l.Role == role {
			return l
		}
	}
	t.Fatalf("no demo login with role %s", role)
	return demoLogin{}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// ---- the API, for setting up what a test needs ----

type apiClient struct {
	t     *testing.T
	token string
}

// apiLogin signs in over the API with a bearer token (no browser).
func apiLogin(t *testing.T, email, password string) *apiClient {
	t.Helper()
	c := &apiClient{t: t}
	var ans struct {
		Token string `json:"token"`
	}
	c.do("POST", "/api/v1/sessions", map[string]any{"email": email, "password": password,
		"device": map[string]string{"id": "e2e-api-" + strings.ReplaceAll(email, "@", "-"), "name": "e2e setup"}}, &ans, 201)
	c.token = ans.Token
	return c
}

func (c *apiClient) do(method, path string, body, out any, want int) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, suite.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := suite.httpClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, res.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// person is a user made for one test, so tests do not share state.
type person struct{ ID, Name, Email, Password string }

var userSeq struct {
	sync.Mutex
	n int
}

func newPerson(t *testing.T, admin *apiClient, name, role string) person {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	n := userSeq.n
	userSeq.Unlock()
	p := person{Name: name, Email: fmt.Sprintf("e2e-%d-%s@demo-clinic.example", n, strings.ToLower(strings.Fields(name)[0])),
		Password: fmt.Sprintf("e2e-person-%d-passphrase", n)}
	var u struct {
		ID string `json:"id"`
	}
	admin.do("POST", "/api/v1/users", map[string]any{"email": p.Email, "name": p.Name, "role": role, "password": p.Password}, &u, 201)
	p.ID = u.ID
	return p
}

// ---- the browser ----

// tab is one browser context: its own cookies and storage, like a device.
type tab struct {
	t      *testing.T
	ctx    context.Context
	name   string
	mu     sync.Mutex
	issues []string // CSP violations and script errors the page reported
}

// newTab opens a fresh browser context. Phone gives a phone-sized viewport.
func newTab(t *testing.T, name string, phone bool) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(suite.browser, chromedp.WithNewBrowserContext())
	tb := &tab{t: t, ctx: ctx, name: name}
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	// Collect what the page reports: a CSP violation, an uncaught exception
	// or a script error fails the test. Failed API calls (4xx answers the
	// client handles) are the browser's network log, not the page's fault.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			bad := m.Type == chromedp.ConsoleException ||
				m.Type == chromedp.ConsoleError && m.Source != "network" ||
				strings.Contains(m.Text, "Content Security Policy")
			if bad {
				tb.note(m.String())
			}
		}
	}()
	// No animations: screenshots show the page as it settles.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatal(err)
	}
	if phone {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		cancel()
		<-done
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, i := range tb.issues {
			t.Errorf("%s: the page reported %s", name, i)
		}
	})
	return tb
}

// addAuthenticator gives the tab a virtual passkey authenticator (Chromium's
// DevTools WebAuthn domain), a phone's fingerprint reader that always says
// yes, and answers its id.
func (tb *tab) addAuthenticator() webauthn.AuthenticatorID {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		tb.t.Fatal(err)
	}
	id, err := chromedp.Call(tb.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21,
			Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true,
		}})
	if err != nil {
		tb.t.Fatal(err)
	}
	return id.AuthenticatorID
}

func (tb *tab) note(s string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.issues = append(tb.issues, s)
}

// do runs browser actions with a timeout.
func (tb *tab) do(timeout time.Duration, what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.shot("FAILED-" + tb.t.Name() + "-" + tb.name)
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// eval evaluates JavaScript (awaiting a promise) into out.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: eval %s: %v", tb.name, js, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is true.
func (tb *tab) waitJS(timeout time.Duration, what, js string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, timeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(25*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		tb.shot("FAILED-" + tb.t.Name() + "-" + tb.name)
		tb.t.Fatalf("%s: waiting for %s: %v", tb.name, what, err)
	}
}

// shot saves a screenshot under e2e/artifacts.
func (tb *tab) shot(name string) {
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(suite.artifacts, strings.ReplaceAll(name, "/", "-")+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Logf("screenshot %s: %v", name, err)
		return
	}
	tb.t.Logf("screenshot: %s", p)
}

// signIn signs in through the sign-in page and waits for the live socket.
func (tb *tab) signIn(email, password string) {
	tb.t.Helper()
	tb.signInAt(suite.base, email, password)
}

// signInAt signs in at another origin of the server (https://localhost:PORT,
// ward's passkey relying party without --public-url).
func (tb *tab) signInAt(base, email, password string) {
	tb.t.Helper()
	tb.do(20*time.Second, "sign in as "+email,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("signin-submit")),
		chromedp.WaitVisible(chromedp.ID("live-status")),
	)
	tb.waitJS(10*time.Second, "live socket open", `document.querySelector('#live-status.live-open') !== null`)
}

// click clicks the first element matching a CSS selector.
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do(10*time.Second, "click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// press clicks the first element matching a CSS selector through the
// page's own click(), once it is visible: for a button on a page whose
// sections still load around it (a mouse click at its old place misses).
func (tb *tab) press(sel string) {
	tb.t.Helper()
	tb.do(10*time.Second, "press "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	eval[bool](tb, fmt.Sprintf(`(document.querySelector(%q).click(), true)`, sel))
}

// text is the visible text of the first element matching a CSS selector.
func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("%s: text of %s: %v", tb.name, sel, err)
	}
	return s
}

// typeInto types into the first element matching a CSS selector.
func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.do(10*time.Second, "type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

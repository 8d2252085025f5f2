package httpapi_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/realtime"
)

// TestIdleSocketMemory measures the server memory an idle, signed-in
// WebSocket costs: N sockets over loopback TLS against an httptest TLS
// server running the real handler and hub. The clients run in a child
// process (this test binary again), so only the server's memory is
// counted: live heap after GC plus goroutine stacks, divided by N. The
// sockets sign in with a first frame, on the reader's goroutine.
//
//	WARD_WS_MEMORY=2000 go test -run TestIdleSocketMemory -v ./internal/httpapi/
//
// Without WARD_WS_MEMORY it opens 100 and holds the server to the issue's
// budget (24 KiB a socket; not checked under the race detector) and each
// idle reader to one 4 KiB stack (8 KiB under the race detector): work
// run on the reader grows its stack, which it keeps while idle.
func TestIdleSocketMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("WARD_WS_MEMORY"))
	check := n <= 0
	if check {
		n = 100
	}
	f := apptest.New(t, false)
	hub := realtime.NewHub(f.App.Broker(), realtime.HubOptions{})
	srv := httptest.NewUnstartedServer(httpapi.New(httpapi.Config{App: f.App, Hub: hub}))
	srv.EnableHTTP2 = false
	srv.StartTLS()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		hub.Close(ctx)
		srv.Close()
	})
	u, pw := f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "Nina Nurse")
	res, err := f.Login(u.Email, pw, "memory-device-1", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}

	before := settledMemory()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleSocketClientHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "WARD_WS_CLIENT_URL=wss"+strings.TrimPrefix(srv.URL, "https")+"/api/v1/ws",
		"WARD_WS_CLIENT_N="+strconv.Itoa(n), "WARD_WS_CLIENT_TOKEN="+res.Token)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	sc := bufio.NewScanner(stdout)
	ready := false
	for sc.Scan() {
		if line := sc.Text(); line == "ready" {
			ready = true
			break
		} else if strings.HasPrefix(line, "error") {
			t.Fatal(line)
		}
	}
	if !ready {
		t.Fatal("client helper ended before its sockets were ready")
	}
	if got := hub.Len(); got != n {
		t.Fatalf("hub holds %d sockets, want %d", got, n)
	}
	time.Sleep(time.Second)
	after := settledMemory()
	if path := os.Getenv("WARD_WS_MEMPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
	}
	// Signed: another test's goroutines ending between the snapshots can
	// leave less than before (an unsigned difference would wrap around).
	heap := float64(after.heap) - float64(before.heap)
	stack := float64(after.stack) - float64(before.stack)
	inuse := float64(after.heapInuse) - float64(before.heapInuse)
	t.Logf("%d idle TLS WebSockets: per socket %.0f B live heap + %.0f B stacks = %.1f KiB (heap in use incl. fragmentation: %.1f KiB + stacks); %.2f goroutines per socket",
		n, heap/float64(n), stack/float64(n), (heap+stack)/float64(n)/1024, (inuse+stack)/float64(n)/1024,
		float64(after.goroutines-before.goroutines)/float64(n))
	if check {
		stackLimit := 6 << 10 // one 4 KiB stack each, and room for the hub's and workers' own
		if raceEnabled {
			stackLimit *= 2
		}
		if perSocket := stack / float64(n); perSocket > float64(stackLimit) {
			t.Errorf("%.0f B of stack per idle socket, over %d: the readers' stacks grew", perSocket, stackLimit)
		}
		if perSocket := (heap + stack) / float64(n); perSocket > 24<<10 && !raceEnabled {
			t.Errorf("%.1f KiB per idle socket, over the 24 KiB budget", perSocket/1024)
		}
	}
}

type memSnapshot struct {
	heap, heapInuse, stack uint64
	goroutines             int
}

// settledMemory collects garbage (several times: stacks shrink at GC) and
// reads the live heap and stack sizes.
func settledMemory() memSnapshot {
	for range 4 {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSnapshot{heap: m.HeapAlloc, heapInuse: m.HeapInuse, stack: m.StackInuse, goroutines: runtime.NumGoroutine()}
}

// TestIdleSocketClientHelper is the client side of TestIdleSocketMemory,
// run in a child process: it opens the sockets, prints "ready" and holds
// them until its stdin closes.
func TestIdleSocketClientHelper(t *testing.T) {
	url := os.Getenv("WARD_WS_CLIENT_URL")
	if url == "" {
		t.Skip("run by TestIdleSocketMemory")
	}
	n, _ := strconv.Atoi(os.Getenv("WARD_WS_CLIENT_N"))
	token := os.Getenv("WARD_WS_CLIENT_TOKEN")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		MaxIdleConnsPerHost: -1}}
	conns := make([]*websocket.Conn, 0, n)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i := range n {
		c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: client})
		if err != nil {
			fmt.Printf("error: dial %d: %v\n", i, err)
			return
		}
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"auth","token":"`+token+`"}`)); err != nil {
			fmt.Printf("error: auth %d: %v\n", i, err)
			return
		}
		if _, b, err := c.Read(ctx); err != nil || !strings.Contains(string(b), `"hello"`) {
			fmt.Printf("error: hello %d: %v %s\n", i, err, b)
			return
		}
		conns = append(conns, c)
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	for _, c := range conns {
		c.CloseNow()
	}
}

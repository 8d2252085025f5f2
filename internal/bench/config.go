package bench

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Config is one benchmark run. The zero value of a field takes its default
// (see Defaults), except for the booleans.
type Config struct {
	// The server: Target names a running ward (https://host:port) to load;
	// empty starts one on DataDir (empty: a temporary folder, removed
	// afterwards) and DBURL (empty: SQLite in DataDir; postgres://…, where
	// the run makes a schema of its own and drops it afterwards).
	Target string
	// TargetMetrics is the metrics listener (http://host:port) of Target,
	// when it has one (ward serve --metrics-addr); empty: no memory figures.
	TargetMetrics string
	DataDir       string
	DBURL         string
	// ServeCommand starts ward as a child process (argv, e.g. the ward
	// binary and "serve"); --data, --addr, --metrics-addr and --db are
	// appended. Nil runs
	// the server inside this process (its memory and CPU figures then
	// include the benchmark's own clients).
	ServeCommand []string

	// With Target: the org (slug) whose admin creates the benchmark's
	// users through the API, and the admin's sign-in. The org's MFA policy
	// must be optional (ward init --mfa optional) and device approval off.
	Org, AdminEmail, AdminPassword string
	// InsecureSkipVerify accepts the target's certificate unchecked (the
	// started server always has a self-signed one and is always accepted).
	InsecureSkipVerify bool

	Users            int           // users created and signed in
	Sockets          int           // WebSocket clients, spread round-robin over the users
	Rate             float64       // messages per second offered (open loop)
	GroupRatio       float64       // share of messages sent to group conversations (0..1)
	GroupSize        int           // members of each group conversation
	BodySize         int           // bytes of each message body
	Senders          int           // concurrent sends at most
	LoginConcurrency int           // concurrent sign-ins
	Duration         time.Duration // the measured phase
	Warmup           time.Duration // load before the measured phase, not counted
	// SendOver is how messages are sent: "ws", as a frame on the sender's
	// open socket (a user without a socket sends over HTTP), or "http", a
	// POST per message. Empty is "ws".
	SendOver string
	// Receipts: "none", or "delivered" or "read": each user's first
	// socket marks the messages it gets so, over the socket, as a phone
	// showing them would. Empty is "none".
	Receipts string
	// Sequential: one client sends, waits for the answer, and sends again,
	// for Duration; Rate and Senders do not apply.
	Sequential bool

	// Nodes is how many ward servers to start on the one PostgreSQL
	// database (0 or 1: one); the users, and so their sockets, are spread
	// over them in turn, and live events cross between them over NATS.
	// More than one needs DBURL, NATSURL and a child server.
	Nodes   int
	NATSURL string

	// CPUProfile, when set, names a file for a CPU profile of this process
	// during the load phase (warm-up, measure, drain): the server's too
	// when it runs in-process.
	CPUProfile string
	// Trace, when set, names a file for an execution trace (runtime/trace)
	// of the same phase, for `go tool trace` (-pprof=sched shows how long
	// goroutines waited for a core).
	Trace string

	Out io.Writer // progress lines and the final table; nil: discarded
}

// Defaults are the values a zero Config field takes.
var Defaults = Config{
	Users: 200, Sockets: 1000, Rate: 2000, GroupRatio: 0.2, GroupSize: 8, BodySize: 100,
	Senders: 64, LoginConcurrency: 4, Duration: 20 * time.Second, Warmup: 3 * time.Second, SendOver: "ws", Receipts: "none",
}

func (c Config) withDefaults() Config {
	d := Defaults
	if c.Users == 0 {
		c.Users = d.Users
	}
	if c.Sockets == 0 {
		c.Sockets = d.Sockets
	}
	if c.Rate == 0 {
		c.Rate = d.Rate
	}
	if c.GroupSize == 0 {
		c.GroupSize = d.GroupSize
	}
	if c.BodySize == 0 {
		c.BodySize = d.BodySize
	}
	if c.Senders == 0 {
		c.Senders = d.Senders
	}
	if c.LoginConcurrency == 0 {
		c.LoginConcurrency = d.LoginConcurrency
	}
	if c.Duration == 0 {
		c.Duration = d.Duration
	}
	if c.SendOver == "" {
		c.SendOver = d.SendOver
	}
	if c.Receipts == "" {
		c.Receipts = d.Receipts
	}
	if c.Out == nil {
		c.Out = io.Discard
	}
	return c
}

// Validate reports the first thing wrong with c (after defaults), in one
// line naming the flag.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Users < 2:
		return errors.New("--users must be at least 2")
	case c.Sockets < 0:
		return errors.New("--sockets must not be negative")
	case c.Rate < 0:
		return errors.New("--rate must be positive")
	case c.GroupRatio < 0 || c.GroupRatio > 1:
		return errors.New("--group-ratio must be between 0 and 1")
	case c.GroupSize < 3 || c.GroupSize > c.Users:
		return fmt.Errorf("--group-size must be between 3 and --users (%d)", c.Users)
	case c.BodySize < 40 || c.BodySize > 16<<10:
		return errors.New("--body-size must be between 40 and 16384 bytes")
	case c.Senders < 1:
		return errors.New("--senders must be at least 1")
	case c.LoginConcurrency < 1:
		return errors.New("--login-concurrency must be at least 1")
	case c.SendOver != "ws" && c.SendOver != "http":
		return errors.New("--send-over must be ws or http")
	case c.Receipts != "none" && c.Receipts != "delivered" && c.Receipts != "read":
		return errors.New("--receipts must be none, delivered or read")
	case c.Duration < 0 || c.Warmup < 0:
		return errors.New("--duration and --warmup must not be negative")
	case c.Nodes < 0 || c.Nodes > 8:
		return errors.New("--nodes must be 1 to 8")
	case c.Nodes > 1 && (c.DBURL == "" || c.NATSURL == "" || c.Target != ""):
		return errors.New("--nodes above 1 needs --db postgres://… and --nats nats://… (and no --target)")
	}
	if c.Target != "" {
		u, err := url.Parse(c.Target)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--target %q: want https://host:port", c.Target)
		}
		if c.Org == "" || c.AdminEmail == "" || c.AdminPassword == "" {
			return errors.New("--target needs --org, --admin-email and --admin-password (or WARD_ADMIN_PASSWORD)")
		}
		if c.DBURL != "" || c.DataDir != "" {
			return errors.New("--db and --data do not apply with --target")
		}
	}
	if c.DBURL != "" && !strings.HasPrefix(c.DBURL, "postgres://") && !strings.HasPrefix(c.DBURL, "postgresql://") {
		return fmt.Errorf("--db %q: want postgres://… (or nothing for SQLite)", c.DBURL)
	}
	return nil
}

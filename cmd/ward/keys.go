package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/server"
)

// runKeys is 'ward keys rotate|status'.
func runKeys(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, `usage: ward keys <rotate|status> [flags]
  rotate   make a new key-encryption key per org (or with --master a new master key)
           and re-wrap the keys under it; safe to interrupt and run again
  status   show the master key, each org's keys and their ages
`)
		if len(args) == 0 {
			return usageError{errors.New("missing subcommand")}
		}
		return flag.ErrHelp
	}
	switch args[0] {
	case "rotate":
		return runKeysRotate(ctx, args[1:], stdout, stderr)
	case "status":
		return runKeysStatus(ctx, args[1:], stdout)
	}
	return usageError{fmt.Errorf("unknown subcommand %q (want rotate or status)", args[0])}
}

func runKeysRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg server.Config
	var opts keyring.RotateOptions
	fs := newFlags("keys rotate", stdout)
	dataFlags(fs, &cfg)
	fs.BoolVar(&opts.Master, "master", false, "rotate the master key and re-wrap every org key under it")
	fs.StringVar(&opts.Org, "org", "", "rotate only this org's key (an org id); default every org")
	fs.IntVar(&opts.BatchSize, "batch", 500, "keys re-wrapped per transaction")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if opts.Master && opts.Org != "" {
		return usageError{errors.New("--master rotates the master key for every org: drop --org")}
	}
	kr, closeStore, err := openKeyring(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	last := time.Time{}
	opts.Progress = func(p keyring.Progress) error {
		if p.Done != 0 && p.Done != p.Total && time.Since(last) < 500*time.Millisecond {
			return nil
		}
		last = time.Now()
		what := fmt.Sprintf("org %s: data keys under KEK %s", p.Org, p.KeyID)
		if p.Phase == "master" {
			what = "org keys and secrets under master key " + p.KeyID
		}
		if p.Done == 0 && p.Resumed {
			fmt.Fprintf(stderr, "resuming an unfinished rotation: ")
		}
		fmt.Fprintf(stderr, "%s: %d/%d re-wrapped\n", what, p.Done, p.Total)
		return nil
	}
	if err := kr.Rotate(ctx, opts); err != nil {
		return fmt.Errorf("%w (what was re-wrapped stays re-wrapped: run the same command again to continue)", err)
	}
	fmt.Fprintln(stderr, "rotation complete")
	return nil
}

func runKeysStatus(ctx context.Context, args []string, stdout io.Writer) error {
	var cfg server.Config
	fs := newFlags("keys status", stdout)
	dataFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	kr, closeStore, err := openKeyring(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	st, err := kr.Status(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MASTER KEY\tCURRENT\tORG KEYS\tSECRETS")
	for _, m := range st.MasterKeys {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", m.ID, yesNo(m.Current), m.KEKs, m.Secrets)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	tw = tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ORG\tKEY\tKEY AGE\tVERSIONS\tDATA KEYS\tON OLDER KEY\tOLDEST DATA KEY")
	for _, o := range st.Orgs {
		oldest := "-"
		if !o.OldestDEK.IsZero() {
			oldest = age(now, o.OldestDEK)
		}
		fmt.Fprintf(tw, "%s\tv%d\t%s\t%d\t%d\t%d\t%s\n", o.Org, o.KEKVersion, age(now, o.KEKCreated), o.KEKs, o.DEKs, o.DEKsOnOldKEK, oldest)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range st.Secrets {
		fmt.Fprintf(stdout, "secret %s: under master key %s, age %s\n", s.Name, s.MasterKeyID, age(now, s.Created))
	}
	fmt.Fprintf(stdout, "shredded data keys: %d\n", st.Shredded)
	var pending []string
	for _, m := range st.MasterKeys {
		if !m.Current && m.KEKs+m.Secrets > 0 {
			pending = append(pending, "keys still wrapped by an older master key: run 'ward keys rotate --master' to finish")
			break
		}
	}
	for _, o := range st.Orgs {
		if o.DEKsOnOldKEK > 0 {
			pending = append(pending, "org "+o.Org+" has data keys on an older key: run 'ward keys rotate' to finish")
		}
	}
	if len(pending) > 0 {
		fmt.Fprintln(stdout, strings.Join(pending, "\n"))
	}
	return nil
}

// openKeyring opens the store and the master key (never creating one: that
// is ward serve's job) for an administrative command.
func openKeyring(ctx context.Context, cfg server.Config) (*keyring.Keyring, func(), error) {
	if cfg.DataDir == "" {
		cfg.DataDir = server.DefaultDataDir
	}
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if v, err := st.SchemaVersion(ctx); err != nil || v < 2 {
		st.Close()
		if err == nil {
			err = errors.New("the database has no keyring tables yet: run 'ward migrate' (or start ward serve) first")
		}
		return nil, nil, err
	}
	p, err := keyring.DefaultProvider(cfg.DataDir, false)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	kr, err := keyring.New(ctx, keyring.Config{Store: st, Provider: p})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return kr, func() { st.Close() }, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// age formats how long ago t was, coarsely.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	default:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	}
}

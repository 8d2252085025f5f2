package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/server"
)

// openEnv opens the data dir for an administrative command; its logs go to
// stderr at warning level and above.
func openEnv(ctx context.Context, cfg server.Config, stderr io.Writer) (*server.Env, error) {
	cfg.Logger = slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg.Command = true // it may run beside ward serve
	return server.Open(ctx, cfg)
}

// readPassword reads one line from stdin, for --password-stdin.
func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageError{errors.New("--password-stdin: no password on standard input")}
	}
	return pw, nil
}

// subcommands dispatches 'ward NAME SUB …'.
func subcommands(name string, subs map[string]func(context.Context, []string) error, ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		names := slices.Sorted(maps.Keys(subs))
		fmt.Fprintf(stdout, "usage: ward %s <%s> [flags]   (ward %s SUB -h for its flags)\n", name, strings.Join(names, "|"), name)
		if len(args) == 0 {
			return usageError{errors.New("missing subcommand")}
		}
		return flag.ErrHelp
	}
	fn, ok := subs[args[0]]
	if !ok {
		return usageError{fmt.Errorf("unknown subcommand %q", args[0])}
	}
	return fn(ctx, args[1:])
}

// runInit is 'ward init': create an org and its owner.
func runInit(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var cfg server.Config
	var in app.InitOrg
	var pwStdin bool
	var mfa string
	fs := newFlags("init", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&in.Name, "org", "", "the org's name (its slug is the name lower-cased, spaces to dashes)")
	fs.StringVar(&in.AdminEmail, "admin", "", "the owner's email")
	fs.StringVar(&in.AdminName, "name", "", "the owner's name (default: the email's local part)")
	fs.BoolVar(&pwStdin, "password-stdin", false, "read the owner's password from standard input instead of making one")
	fs.StringVar(&mfa, "mfa", "required", "org MFA policy for staff roles: required or optional")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if in.Name == "" || in.AdminEmail == "" {
		return usageError{errors.New("--org and --admin are required")}
	}
	switch mfa {
	case "required":
		in.MFARequired = true
	case "optional":
	default:
		return usageError{fmt.Errorf("--mfa must be required or optional, not %q", mfa)}
	}
	if pwStdin {
		pw, err := readPassword(stdin)
		if err != nil {
			return err
		}
		in.Password = pw
	}
	env, err := openEnv(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer env.Close()
	org, owner, made, err := env.App.CreateOrg(ctx, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "org %q created (slug %s, MFA %s)\n", org.Name, org.Slug, mfa)
	fmt.Fprintf(stdout, "owner %s (id %s)\n", owner.Email, owner.ID)
	if made != "" {
		fmt.Fprintf(stdout, "one-time password: %s\n", made)
		fmt.Fprintln(stdout, "(shown once; sign in and change it)")
	}
	return nil
}

// runUser is 'ward user add|list'.
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return subcommands("user", map[string]func(context.Context, []string) error{
		"add": func(ctx context.Context, args []string) error {
			var cfg server.Config
			var nu app.NewUser
			var slug, role string
			var pwStdin bool
			fs := newFlags("user add", stdout)
			dataFlags(fs, &cfg)
			fs.StringVar(&slug, "org", "", "the org's slug")
			fs.StringVar(&nu.Email, "email", "", "the user's email")
			fs.StringVar(&nu.Name, "name", "", "the user's name")
			fs.StringVar(&role, "role", "", "owner, admin, compliance, clinician, staff or patient")
			fs.BoolVar(&pwStdin, "password-stdin", false, "read the password from standard input (required)")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if slug == "" || nu.Email == "" || nu.Name == "" || role == "" || !pwStdin {
				return usageError{errors.New("--org, --email, --name, --role and --password-stdin are required")}
			}
			nu.Role = ward.Role(role)
			pw, err := readPassword(stdin)
			if err != nil {
				return err
			}
			nu.Password = pw
			env, err := openEnv(ctx, cfg, stderr)
			if err != nil {
				return err
			}
			defer env.Close()
			u, err := env.App.AddUser(ctx, slug, nu)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, u.ID)
			return nil
		},
		"list": orgCommand("user list", stdout, stderr, nil, func(ctx context.Context, env *server.Env, p *app.Principal) error {
			users, err := env.App.Directory(ctx, p)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tDISABLED")
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\n", u.ID, u.Email, u.Name, u.Role, u.Disabled)
			}
			return tw.Flush()
		}),
	}, ctx, args, stdout)
}

// orgCommand makes an administrative subcommand that acts on one org as
// the system principal: --data, --db and --org, plus the flags that flags
// adds, then run on the opened data dir.
func orgCommand(name string, stdout, stderr io.Writer, flags func(*flag.FlagSet),
	run func(context.Context, *server.Env, *app.Principal) error) func(context.Context, []string) error {
	return func(ctx context.Context, args []string) error {
		var cfg server.Config
		var slug string
		fs := newFlags(name, stdout)
		dataFlags(fs, &cfg)
		fs.StringVar(&slug, "org", "", "the org's slug")
		if flags != nil {
			flags(fs)
		}
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		if slug == "" {
			return usageError{errors.New("--org is required")}
		}
		env, err := openEnv(ctx, cfg, stderr)
		if err != nil {
			return err
		}
		defer env.Close()
		p, err := env.App.SystemPrincipal(ctx, slug)
		if err != nil {
			return err
		}
		return run(ctx, env, p)
	}
}

// runDevice is 'ward device list|approve|lock|unlock|wipe'.
func runDevice(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	act := func(action app.DeviceAction) func(context.Context, []string) error {
		var id string
		idFlag := func(fs *flag.FlagSet) { fs.StringVar(&id, "id", "", "the device id (from ward device list)") }
		return orgCommand("device "+string(action), stdout, stderr, idFlag, func(ctx context.Context, env *server.Env, p *app.Principal) error {
			if id == "" {
				return usageError{errors.New("--id is required")}
			}
			d, err := env.App.ActOnDevice(ctx, p, id, action)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "device %s (%s): status %s", d.ID, d.Name, d.Status)
			if d.Wipe != ward.WipeNone {
				fmt.Fprintf(stdout, ", wipe %s", d.Wipe)
			}
			fmt.Fprintln(stdout)
			return nil
		})
	}
	return subcommands("device", map[string]func(context.Context, []string) error{
		"list": orgCommand("device list", stdout, stderr, nil, func(ctx context.Context, env *server.Env, p *app.Principal) error {
			ds, err := env.App.Devices(ctx, p, true)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUSER\tNAME\tSTATUS\tWIPE\tLAST SEEN\tADDRESS")
			for _, d := range ds {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.UserID, d.Name, d.Status, d.Wipe,
					d.LastSeenAt.Format("2006-01-02 15:04:05Z"), d.LastIP)
			}
			return tw.Flush()
		}),
		"approve": act(app.ApproveDevice),
		"lock":    act(app.LockDevice),
		"unlock":  act(app.UnlockDevice),
		"wipe":    act(app.WipeDevice),
	}, ctx, args, stdout)
}

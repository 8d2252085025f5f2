package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"text/tabwriter"

	"github.com/wardhealth/ward/internal/demo"
	"github.com/wardhealth/ward/internal/server"
)

// runDemo is 'ward demo': seed the demo clinic (once) and print where to
// go and how to sign in.
func runDemo(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	var cfg server.Config
	var addr string
	fs := newFlags("demo", stdout)
	dataFlags(fs, &cfg)
	fs.StringVar(&addr, "addr", server.DefaultAddr, "the host:port ward serve listens on (for the printed URL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	env, err := openEnv(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer env.Close()
	res, err := demo.Seed(ctx, demo.Services{App: env.App, Store: env.Store, Patients: env.Patients, Teams: env.Teams, Invitations: env.Invitations, OnCall: env.OnCall, Holds: env.Holds, Compliance: env.Compliance, Incidents: env.Incidents, BAAs: env.BAAs})
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageError{fmt.Errorf("--addr %q: %v", addr, err)}
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	if res.Created {
		fmt.Fprintf(stdout, "Seeded %q (org %s): %d messages. MFA is off for this org only.\n", demo.OrgName, demo.OrgSlug, res.Messages)
	} else {
		fmt.Fprintf(stdout, "%q is already seeded (org %s).\n", demo.OrgName, demo.OrgSlug)
	}
	fmt.Fprintf(stdout, "\nOpen https://%s/ (the certificate is self-signed unless you gave one)\n\n", net.JoinHostPort(host, port))
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tPASSWORD\tROLE\tWHO")
	for _, l := range res.Logins {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s, %s\n", l.Email, l.Password, l.Role, l.Name, l.About)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\nTo try: the Patients screen (demo records DEMO-0001, DEMO-0002) and the team Inbox as jordan.lee;")
	fmt.Fprintf(stdout, "On call now (%q) and paging it as riley.chen; the patient portal as the patient;\n", demo.OnCallRole.Name)
	fmt.Fprintf(stdout, "the Compliance console, Legal holds (%q), Retention, Incidents (%q), BAAs, Alerts and the\n", demo.ComplianceMatter, demo.IncidentTitle)
	fmt.Fprintln(stdout, "Accounting of disclosures (MRN DEMO-0001) as compliance; the Conformance report (MFA is off here: its 164.312(d) line fails) as the owner.")
	fmt.Fprintln(stdout, "\nThese passwords are published: use the demo org for trying ward, never for patients' data.")
	return nil
}

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// usageError is a mistake in how ward was called (exit code 2).
type usageError struct{ error }

// envName is the environment variable a flag reads: WARD_ + upper case,
// dashes to underscores.
func envName(flagName string) string {
	return "WARD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// newFlags makes a flag set whose -h prints to stdout, listing each flag's
// environment variable.
func newFlags(name string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("ward "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "usage: ward %s [flags]\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "false" {
				def = " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(stdout, "  --%-28s %s%s [%s]\n", f.Name, f.Usage, def, envName(f.Name))
		})
	}
	return fs
}

// parseFlags sets each flag from its WARD_* variable, then from args (which
// win). Stray arguments are an error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := os.LookupEnv(envName(f.Name)); ok && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = usageError{fmt.Errorf("%s=%q: %v", envName(f.Name), v, err)}
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp { // fs.Parse has printed the usage
			return err
		}
		return usageError{fmt.Errorf("%v (run 'ward %s -h')", err, strings.TrimPrefix(fs.Name(), "ward "))}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

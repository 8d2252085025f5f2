package main

import (
	"context"
	"fmt"
	"io"

	"github.com/wardhealth/ward/internal/server"
)

func runMigrate(ctx context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
	var cfg server.Config
	fs := newFlags("migrate", stdout)
	dataFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	applied, version, err := server.Migrate(ctx, cfg)
	if err != nil {
		return err
	}
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	fmt.Fprintf(stdout, "schema at version %d\n", version)
	return nil
}

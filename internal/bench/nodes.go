package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
)

// startNodes starts cfg.Nodes ward servers (one when it is 0 or 1) on one
// database: the first on dataDir, each other on a folder of its own with
// copies of dataDir's files (its master key, TLS certificate, shred key
// file: what every node of a cluster shares), all on NATS (cfg.NATSURL).
func startNodes(ctx context.Context, cfg Config, dataDir string) ([]*target, error) {
	if cfg.Nodes <= 1 {
		t, err := startServer(ctx, cfg, dataDir)
		if err != nil {
			return nil, err
		}
		return []*target{t}, nil
	}
	if cfg.ServeCommand == nil {
		return nil, errors.New("more than one node needs child servers (Config.ServeCommand)")
	}
	var nodes []*target
	for i := range cfg.Nodes {
		dir := dataDir
		if i > 0 {
			dir = fmt.Sprintf("%s-node%d", dataDir, i+1)
			if err := copyFiles(dataDir, dir); err != nil {
				stopAll(nodes)
				return nil, err
			}
		}
		t, err := startServer(ctx, cfg, dir, "--nats", cfg.NATSURL, "--node-id", fmt.Sprintf("bench-%d", i+1))
		if err != nil {
			stopAll(nodes)
			return nil, err
		}
		nodes = append(nodes, t)
	}
	return nodes, nil
}

// copyFiles copies the regular files of folder from (not its folders,
// nor logs) into the new folder to; the caller removes to.
func copyFiles(from, to string) error {
	if err := os.Mkdir(to, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || filepath.Ext(e.Name()) == ".log" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// stopAll stops every node and returns their errors.
func stopAll(nodes []*target) error {
	var errs []error
	for _, t := range nodes {
		errs = append(errs, t.stop())
	}
	return errors.Join(errs...)
}

// sampleNodes is sample of every node, their CPU and RSS summed; the Go
// heap figures are the first node's.
func sampleNodes(ctx context.Context, hc *http.Client, nodes []*target) procSample {
	s := nodes[0].sample(ctx, hc)
	for _, t := range nodes[1:] {
		o := t.sample(ctx, hc)
		s.rss, s.cpu, s.ok = s.rss+o.rss, s.cpu+o.cpu, s.ok && o.ok
	}
	return s
}

package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The database's share of the host. With --db on this host, ward bench
// also reads the CPU of PostgreSQL's processes over the window, so that a
// run on PostgreSQL says what each message costs the database besides the
// server: the postmaster, found as the parent of the backend that answers
// one query, with every process it runs (backends, WAL writer,
// checkpointer, autovacuum) and those that ended meanwhile, which the
// postmaster reaps and the kernel adds to its children's time. A
// database on another host (or in another PID namespace) is not found,
// and its figure is left out.

// postmasterPID is the PID of the PostgreSQL server dbURL names, when it
// runs on this host; 0 otherwise.
func postmasterPID(ctx context.Context, dbURL string) int {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return 0
	}
	defer db.Close()
	var backend int
	if err := db.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&backend); err != nil {
		return 0
	}
	comm, parent, ok := procParent(backend)
	if !ok || comm != "postgres" {
		return 0
	}
	if comm, _, ok := procParent(parent); !ok || comm != "postgres" {
		return 0
	}
	return parent
}

// procStat is the fields of /proc/PID/stat after the command name, and
// the name.
func procStat(pid int) (comm string, f []string, ok bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", nil, false
	}
	i, j := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if i < 0 || j < i {
		return "", nil, false
	}
	f = strings.Fields(string(stat[j+1:]))
	return string(stat[i+1 : j]), f, len(f) >= 15
}

// procParent is a process's command name and its parent's PID.
func procParent(pid int) (comm string, parent int, ok bool) {
	comm, f, ok := procStat(pid)
	if !ok {
		return "", 0, false
	}
	parent, err := strconv.Atoi(f[1]) // field 4
	return comm, parent, err == nil
}

// familyCPU is the CPU seconds of process pid, its live children and its
// reaped ones, so far.
func familyCPU(pid int) (float64, bool) {
	_, f, ok := procStat(pid)
	if !ok {
		return 0, false
	}
	var ticks float64
	for _, v := range f[11:15] { // fields 14-17: utime stime cutime cstime
		n, _ := strconv.ParseFloat(v, 64)
		ticks += n
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, f, ok := procStat(child); ok && f[1] == strconv.Itoa(pid) {
			ut, _ := strconv.ParseFloat(f[11], 64)
			st, _ := strconv.ParseFloat(f[12], 64)
			ticks += ut + st
		}
	}
	return ticks / clockTicks, true
}

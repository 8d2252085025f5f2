package keyring

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/wardhealth/ward"
)

// The shred key file makes crypto-shredding reach backups. Every data key
// made since migration 0042 is wrapped first by a leaf key of a binary tree
// of keys (a GGM tree, 2^32 leaves: a child's seed is HMAC-SHA-256 of its
// parent's seed and the bit), then by its org's key; the database stores
// only the leaf's number. The file, DATA/shred.keys beside master.key and
// never in a backup, holds the seeds of the fewest subtrees that cover
// every leaf not yet shredded: at first the root alone. Shredding a scope
// punctures its leaf: the subtree holding it is replaced by the siblings
// along its path (at most 32 seeds), so no seed left in the file derives
// that leaf's key. A backup taken before the shred still holds the wrapped
// key, but opening it needs the leaf key, which the live file can no longer
// make: restored with the live key files, that scope reads as shredded,
// and every other scope reads as before. New keys need no new seeds, and
// scopes shredded together (retention, by age: neighbouring leaves) leave
// few seeds behind. docs/keyring.md says where to keep the file.

// ShredKeyFileName is the shred key file inside the data dir.
const ShredKeyFileName = "shred.keys"

// treeDepth is the depth of the tree: leaves are 1 … 2^32-1.
const treeDepth = 32

// MaxLeaf is the highest leaf number.
const MaxLeaf = 1<<treeDepth - 1

// errLeafShredded is LeafKey's answer for a punctured leaf.
var errLeafShredded = errors.New("keyring: the leaf key was shredded")

type treeNode struct {
	depth  int
	prefix uint64 // the node's path from the root, depth bits
}

// ShredKeys is the shred key file. It is safe for concurrent use, and
// notices when another process (a ward command) changed the file.
type ShredKeys struct {
	path  string
	mu    sync.Mutex
	nodes map[treeNode][]byte
	fi    os.FileInfo
}

const shredFileHeader = `# ward shred keys. Keep this file secret, owner-only (0600), beside master.key,
# and never inside a database backup: shredding removes seeds from it, and that
# is what makes shredded data unreadable in older backups too. Back it up apart
# from the database, as you back up master.key (docs/keyring.md).
`

// OpenShredKeys loads the shred key file at path (DATA/shred.keys),
// creating it (0600, one random root seed) when create is set and it does
// not exist.
func OpenShredKeys(path string, create bool) (*ShredKeys, error) {
	s := &ShredKeys{path: path}
	err := s.load()
	if errors.Is(err, fs.ErrNotExist) && create {
		root, rerr := randomKey(32)
		if rerr != nil {
			return nil, rerr
		}
		body := shredFileHeader + nodeLine(treeNode{}, root)
		fh, ferr := os.OpenFile(s.path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if ferr == nil {
			_, ferr = fh.WriteString(body)
			if ferr == nil {
				ferr = fh.Sync()
			}
			if cerr := fh.Close(); ferr == nil {
				ferr = cerr
			}
			syncDir(filepath.Dir(path))
		}
		if ferr != nil && !errors.Is(ferr, fs.ErrExist) {
			return nil, fmt.Errorf("create shred key file: %w", ferr)
		}
		err = s.load()
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Path is the file's path.
func (s *ShredKeys) Path() string { return s.path }

// Seeds counts the seeds in the file (the subtrees still whole).
func (s *ShredKeys) Seeds() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.nodes)
}

func nodeLine(n treeNode, seed []byte) string {
	return fmt.Sprintf("%d %d %s\n", n.depth, n.prefix, base64.StdEncoding.EncodeToString(seed))
}

// load reads the file (under s.mu or before s is shared).
func (s *ShredKeys) load() error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return ward.Errorf(ward.CodeInvalid, "shred key file %s has mode %#o: it must be readable by its owner only (chmod 600)", s.path, perm)
	}
	body, err := os.ReadFile(s.path)
	if err != nil {
		return err
	}
	nodes := map[treeNode][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return ward.Errorf(ward.CodeIntegrity, "shred key file %s, line %d: want depth, prefix and seed", s.path, ln)
		}
		d, err1 := strconv.Atoi(f[0])
		p, err2 := strconv.ParseUint(f[1], 10, 64)
		seed, err3 := base64.StdEncoding.DecodeString(f[2])
		if err1 != nil || err2 != nil || err3 != nil || d < 0 || d > treeDepth || p >= 1<<d || len(seed) != 32 {
			return ward.Errorf(ward.CodeIntegrity, "shred key file %s, line %d is malformed", s.path, ln)
		}
		nodes[treeNode{d, p}] = seed
	}
	s.nodes, s.fi = nodes, fi
	return nil
}

// fresh reloads the file if another process replaced it (under s.mu).
func (s *ShredKeys) fresh() error {
	fi, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("shred key file: %w", err)
	}
	if s.fi != nil && os.SameFile(fi, s.fi) && fi.ModTime().Equal(s.fi.ModTime()) && fi.Size() == s.fi.Size() {
		return nil
	}
	return s.load()
}

func child(seed []byte, bit uint64) []byte {
	m := hmac.New(sha256.New, seed)
	m.Write([]byte("ward shred tree v1\x00"))
	m.Write([]byte{byte(bit)})
	return m.Sum(nil)
}

// cover finds the seed in the file whose subtree holds leaf.
func (s *ShredKeys) cover(leaf uint64) (treeNode, []byte, bool) {
	for d := 0; d <= treeDepth; d++ {
		n := treeNode{d, leaf >> (treeDepth - d)}
		if seed, ok := s.nodes[n]; ok {
			return n, seed, true
		}
	}
	return treeNode{}, nil, false
}

func checkLeaf(leaf int64) error {
	if leaf < 1 || leaf > MaxLeaf {
		return ward.Errorf(ward.CodeIntegrity, "leaf %d is out of range", leaf)
	}
	return nil
}

// LeafKey derives the 32-byte key of a leaf; a punctured leaf is
// errLeafShredded.
func (s *ShredKeys) LeafKey(leaf int64) ([]byte, error) {
	if err := checkLeaf(leaf); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fresh(); err != nil {
		return nil, err
	}
	n, seed, ok := s.cover(uint64(leaf))
	if !ok {
		return nil, errLeafShredded
	}
	for d := n.depth; d < treeDepth; d++ {
		seed = child(seed, uint64(leaf)>>(treeDepth-1-d)&1)
	}
	m := hmac.New(sha256.New, seed)
	m.Write([]byte("ward shred leaf key v1\x00"))
	return m.Sum(nil), nil
}

// Puncture removes leaves from the file for good: no seed left derives
// their keys. Punctured leaves are skipped. The file is rewritten
// atomically under a lock shared with other processes.
func (s *ShredKeys) Puncture(leaves ...int64) error {
	for _, l := range leaves {
		if err := checkLeaf(l); err != nil {
			return err
		}
	}
	unlock, err := lockFile(s.path + ".lock")
	if err != nil {
		return err
	}
	defer unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return err
	}
	changed := false
	for _, l := range leaves {
		leaf := uint64(l)
		n, seed, ok := s.cover(leaf)
		if !ok {
			continue
		}
		changed = true
		delete(s.nodes, n)
		prefix := n.prefix
		for d := n.depth; d < treeDepth; d++ {
			bit := leaf >> (treeDepth - 1 - d) & 1
			s.nodes[treeNode{d + 1, prefix<<1 | (1 - bit)}] = child(seed, 1-bit)
			seed, prefix = child(seed, bit), prefix<<1|bit
		}
	}
	if !changed {
		return nil
	}
	return s.write()
}

// write replaces the file with s.nodes (under s.mu and the file lock).
func (s *ShredKeys) write() error {
	ns := make([]treeNode, 0, len(s.nodes))
	for n := range s.nodes {
		ns = append(ns, n)
	}
	sort.Slice(ns, func(i, j int) bool {
		if ns[i].depth != ns[j].depth {
			return ns[i].depth < ns[j].depth
		}
		return ns[i].prefix < ns[j].prefix
	})
	var b strings.Builder
	b.WriteString(shredFileHeader)
	for _, n := range ns {
		b.WriteString(nodeLine(n, s.nodes[n]))
	}
	if err := writeFileAtomic(s.path, []byte(b.String())); err != nil {
		return fmt.Errorf("write shred key file: %w", err)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return err
	}
	s.fi = fi
	return nil
}

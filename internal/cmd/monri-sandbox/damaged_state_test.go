package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox/store/storetest"

	"github.com/monri-community/terraform-provider-monri/internal/sandbox"
)

// runSandboxProcessToExit runs the command with args in a process of its
// own and returns its exit code and stderr once it has exited.
func runSandboxProcessToExit(t *testing.T, args ...string) (int, string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestHelperProcess$") //nolint:gosec // G204: the test binary itself.
	cmd.Env = append(os.Environ(), "MONRI_SANDBOX_TEST_HELPER=1",
		"MONRI_SANDBOX_TEST_ARGS="+strings.Join(append([]string{"-addr", "127.0.0.1:0"}, args...), " "))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stderr.String()
	default:
		t.Fatalf("run: %v", err)
		return 0, ""
	}
}

// A damaged, cut short or foreign -state file stops the command at start
// with one paragraph naming the file, what is wrong and what to do, exit
// status 2: never a crash with a stack (SIGBUS, a bbolt panic), never a
// sandbox serving an empty store in place of the file's data. The file is
// left as it was.
func TestRunRefusesDamagedState(t *testing.T) {
	dir := t.TempDir()
	goodPath := filepath.Join(dir, "good.db")
	s, err := sandbox.New(sandbox.Options{StatePath: goodPath})
	if err != nil {
		t.Fatal(err)
	}
	s.SeedCustomers(300, "damaged")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(goodPath) //nolint:gosec // G304: the test's own temp file.
	if err != nil {
		t.Fatal(err)
	}
	ne := binary.NativeEndian
	ps := int(ne.Uint32(good[16+8:]))
	metaOff := 16 // the current meta record: the one with the higher txid
	if ne.Uint64(good[ps+16+48:]) > ne.Uint64(good[16+48:]) {
		metaOff = ps + 16
	}
	dataEnd := int(ne.Uint64(good[metaOff+40:])) * ps //nolint:gosec // G115: the page count of a small test file.

	_, foreign := storetest.ForeignBoltFile(t, dir)

	garbage := make([]byte, 32<<10)
	_, _ = rand.NewChaCha8([32]byte{3, 4}).Read(garbage) // reproducible garbage
	// The current meta record points its root at the root page of the
	// customers bucket, checksum recomputed: bbolt sees a tree of records
	// where it expects the buckets.
	db, err := bolt.Open(goodPath, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var custRoot uint64
	_ = db.View(func(tx *bolt.Tx) error {
		custRoot = uint64(tx.Bucket([]byte("customers")).Root())
		return nil
	})
	_ = db.Close()
	if custRoot == 0 || custRoot == ne.Uint64(good[metaOff+16:]) {
		t.Fatalf("customers bucket root %d", custRoot)
	}
	wrongRoot := bytes.Clone(good)
	ne.PutUint64(wrongRoot[metaOff+16:], custRoot)
	h := fnv.New64a()
	_, _ = h.Write(wrongRoot[metaOff : metaOff+56])
	ne.PutUint64(wrongRoot[metaOff+56:], h.Sum64())

	cases := []struct {
		name    string
		content []byte
		want    string
	}{
		{"cut to nothing", nil, "is empty (0 bytes)"},
		{"cut inside the first page", good[:1000], "cut short"},
		{"cut inside the first meta record", good[:50], "shorter than a bbolt file's first page"},
		{"cut after the meta pages", good[:2*ps], "cut short"},
		{"cut in the middle of the data", good[:dataEnd/2], "cut short"},
		{"cut inside the last data page", good[:dataEnd-100], "cut short"},
		{"random garbage", garbage, "not a bbolt database"},
		{"another program's bbolt file", foreign, "holds no monri-sandbox store"},
		{"meta points at the wrong page", wrongRoot, "holds no monri-sandbox store"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sandbox.db")
			if err := os.WriteFile(path, c.content, 0o600); err != nil {
				t.Fatal(err)
			}
			code, stderr := runSandboxProcessToExit(t, "-state", path)
			if code != 2 {
				t.Fatalf("exit status %d, want 2; stderr:\n%s", code, stderr)
			}
			for _, bad := range []string{"goroutine ", "panic", "SIGBUS", "fatal error", "Listening", "listening"} {
				if strings.Contains(stderr, bad) {
					t.Fatalf("stderr has %q:\n%s", bad, stderr)
				}
			}
			msg := strings.TrimSuffix(strings.TrimPrefix(stderr, "monri-sandbox: "), "\n")
			if strings.Contains(msg, "\n") {
				t.Errorf("not one paragraph:\n%s", stderr)
			}
			for _, want := range []string{
				"sandbox: the -state file " + path + " cannot be used: ", c.want,
				"Restore it", "-import", "mv " + path + " " + path + ".damaged",
			} {
				if !strings.Contains(msg, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			after, _ := os.ReadFile(path) //nolint:gosec // G304: the test's own temp file.
			if !bytes.Equal(after, c.content) {
				t.Error("the refused file was changed")
			}
		})
	}
}

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/bundlekit/bundlekit/internal/testzip"
	"github.com/rogpeppe/go-internal/testscript"
)

// cmdZeros writes files of zero bytes, the content a zip bomb is made of:
// "zeros FILE SIZE" writes SIZE zero bytes to FILE; "zeros FILE.zip SIZE
// ENTRY" writes a zip archive whose one entry, ENTRY, holds SIZE zero bytes,
// deflated. Parent directories are created.
func cmdZeros(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: zeros FILE SIZE [ENTRY]")
	}
	size, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	p := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(p), 0o755))
	f, err := os.Create(p)
	ts.Check(err)
	defer f.Close()
	if len(args) == 2 {
		ts.Check(f.Truncate(size))
		return
	}
	ts.Check(testzip.WriteZeros(f, args[2], size))
}

// cmdSHA256Env sets an environment variable to the SHA-256 of a file:
// "sha256env VAR FILE", for a script to pass a digest it cannot know in
// advance (pack records the modes the files got on this machine).
func cmdSHA256Env(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sha256env VAR FILE")
	}
	f, err := os.Open(ts.MkAbs(args[1]))
	ts.Check(err)
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	ts.Check(err)
	ts.Setenv(args[0], hex.EncodeToString(h.Sum(nil)))
}

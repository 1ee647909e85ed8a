package metadata

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/internal/readall"
)

// ExtrasPath returns the path of bundlekit's record of what else it knows of
// deployment id (see Extras). RHQ never reads it (unknown entries of a
// deployment folder are ignored, R35).
func ExtrasPath(id int32) string { return IDDir(id) + "/.bundlekit-deployment" }

// Extras is what bundlekit records of a deployment beyond RHQ's metadata, for
// the operations that have no bundle in hand: the drift a status reports, and
// a revert rebuilt from the store of deployed content (issue 14). A deployment
// RHQ made, or a bundlekit before this record, has none: what it would say is
// then unknown.
//
// The file is one JSON object, as EncodeExtras writes it:
//
//	{"v":1,"ignore":[{"includes":["logs/"]}],"stored":{"conf/app.conf":"<sha256>"}}
type Extras struct {
	// Ignore are the filesets of the recipe's rhq:ignore, expanded (R71,
	// R120); empty when the recipe ignores nothing.
	Ignore []IgnoreSet
	// Dirs are the directory entries of the deployment's exploded archives,
	// which are made whether or not a file is in them (R97) and which the
	// map, a map of files, does not record.
	Dirs []string
	// BundleNeeded says what the deployment's recipe does beyond placing
	// files (a target, a handover, a system service, a service package's
	// commands): a revert to this deployment cannot do it without the
	// bundle. Empty when a revert needs no more than the files.
	BundleNeeded []string
	// Stored maps each file of the previous deployment that the operation
	// recording this one replaced or removed while it still held the bytes
	// that deployment recorded, to the SHA-256 of those bytes, which the
	// store of deployed content holds: what a revert to the previous
	// deployment needs. Never nil in a decoded record.
	Stored map[string]string
}

// IgnoreSet is one fileset of an rhq:ignore: Ant patterns relative to Dir
// (the deploy dir when empty).
type IgnoreSet struct {
	Dir      string   `json:"dir,omitempty"`
	Includes []string `json:"includes,omitempty"`
	Excludes []string `json:"excludes,omitempty"`
}

// extrasVersion is the format EncodeExtras writes and DecodeExtras reads.
const extrasVersion = 1

// extrasFile is the JSON form of Extras.
type extrasFile struct {
	V            int               `json:"v"`
	Ignore       []IgnoreSet       `json:"ignore"`
	Dirs         []string          `json:"dirs,omitempty"`
	BundleNeeded []string          `json:"bundleNeeded,omitempty"`
	Stored       map[string]string `json:"stored"`
}

// ErrExtras is wrapped by every error of DecodeExtras.
var ErrExtras = errors.New("not a bundlekit deployment record")

// EncodeExtras returns e as its file holds it: one line of JSON, the keys of
// Stored in order. A stored key that is empty or holds a line break, or a
// digest that is not a SHA-256 in lowercase hex, is refused.
func EncodeExtras(e Extras) ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnencodable, err)
	}
	f := extrasFile{V: extrasVersion, Ignore: e.Ignore, Dirs: e.Dirs, BundleNeeded: e.BundleNeeded, Stored: e.Stored}
	if f.Ignore == nil {
		f.Ignore = []IgnoreSet{}
	}
	if f.Stored == nil {
		f.Stored = map[string]string{}
	}
	data, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// DecodeExtras reads what EncodeExtras wrote, strictly: a record of a newer
// format, unknown fields and anything EncodeExtras refuses are errors
// wrapping ErrExtras, and the caller takes the record for missing.
func DecodeExtras(r io.Reader) (*Extras, error) {
	text, err := readall.String(r)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	var f extrasFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrExtras, err)
	}
	if dec.More() || !strings.HasSuffix(text, "}\n") {
		return nil, fmt.Errorf("%w: more than one JSON object, or no line end", ErrExtras)
	}
	if f.V != extrasVersion {
		return nil, fmt.Errorf("%w: format %d (this bundlekit reads %d)", ErrExtras, f.V, extrasVersion)
	}
	e := &Extras{Ignore: f.Ignore, Dirs: f.Dirs, BundleNeeded: f.BundleNeeded, Stored: f.Stored}
	if e.Stored == nil {
		e.Stored = map[string]string{}
	}
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrExtras, err)
	}
	return e, nil
}

// check refuses what the record cannot hold.
func (e Extras) check() error {
	for k, v := range e.Stored {
		if k == "" || strings.ContainsAny(k, "\r\n\x00") || !isSHA256(v) {
			return fmt.Errorf("stored file %q with digest %q", k, v)
		}
	}
	for _, s := range e.Ignore {
		if slices.ContainsFunc(append(slices.Clone(s.Includes), s.Excludes...), func(p string) bool { return p == "" }) {
			return errors.New("an empty ignore pattern")
		}
	}
	for _, d := range e.Dirs {
		if d == "" || strings.ContainsAny(d, "\r\n\x00") {
			return fmt.Errorf("directory %q", d)
		}
	}
	if slices.Contains(e.BundleNeeded, "") {
		return errors.New("an empty reason the bundle is needed")
	}
	return nil
}

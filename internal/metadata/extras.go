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
//	{"v":2,"ignore":[{"includes":["logs/"]}],"stored":{"conf/app.conf":"<sha256>"},"idAt":{"conf/app.conf":[0,118]}}
//
// Format 1 had no idAt: DecodeExtras reads it with IDKnown false.
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
	// IDAt maps each file of the deployment's map that is a realized
	// template holding @@rhq.deploy.id@@ to the offsets, in increasing
	// order, at which the realization inserted the deployment's id (in
	// decimal): a revert to this deployment without the bundle puts the new
	// deployment's id there. Files without such a token have no entry.
	IDAt map[string][]int64
	// IDKnown reports that IDAt is complete. A record of format 1 has no
	// IDAt: where its realized templates hold the id is unknown.
	IDKnown bool
}

// IgnoreSet is one fileset of an rhq:ignore: Ant patterns relative to Dir
// (the deploy dir when empty).
type IgnoreSet struct {
	Dir      string   `json:"dir,omitempty"`
	Includes []string `json:"includes,omitempty"`
	Excludes []string `json:"excludes,omitempty"`
}

// extrasVersion is the format EncodeExtras writes. DecodeExtras reads it and
// format 1, which had no idAt: an older bundlekit, which cannot put a new id
// in a stored file, takes a record of this format for missing and refuses a
// revert without the bundle rather than make a wrong one.
const (
	extrasVersion     = 2
	extrasVersionNoID = 1
)

// extrasFile is the JSON form of Extras.
type extrasFile struct {
	V            int                `json:"v"`
	Ignore       []IgnoreSet        `json:"ignore"`
	Dirs         []string           `json:"dirs,omitempty"`
	BundleNeeded []string           `json:"bundleNeeded,omitempty"`
	Stored       map[string]string  `json:"stored"`
	IDAt         map[string][]int64 `json:"idAt,omitempty"`
}

// ErrExtras is wrapped by every error of DecodeExtras.
var ErrExtras = errors.New("not a bundlekit deployment record")

// EncodeExtras returns e as its file holds it: one line of JSON, the keys of
// Stored in order. A stored key that is empty or holds a line break, or a
// digest that is not a SHA-256 in lowercase hex, is refused, and so are
// offsets out of order or negative. A record that knows where its ids are
// (IDKnown) is written in format 2, another in format 1, without IDAt.
func EncodeExtras(e Extras) ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnencodable, err)
	}
	v := extrasVersion
	if !e.IDKnown {
		v = extrasVersionNoID
	}
	f := extrasFile{V: v, Ignore: e.Ignore, Dirs: e.Dirs, BundleNeeded: e.BundleNeeded, Stored: e.Stored, IDAt: e.IDAt}
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
	if f.V != extrasVersion && f.V != extrasVersionNoID {
		return nil, fmt.Errorf("%w: format %d (this bundlekit reads %d and %d)", ErrExtras, f.V, extrasVersionNoID, extrasVersion)
	}
	if f.V == extrasVersionNoID && f.IDAt != nil {
		return nil, fmt.Errorf("%w: idAt in a record of format %d", ErrExtras, f.V)
	}
	e := &Extras{Ignore: f.Ignore, Dirs: f.Dirs, BundleNeeded: f.BundleNeeded, Stored: f.Stored, IDAt: f.IDAt, IDKnown: f.V == extrasVersion}
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
	if !e.IDKnown && len(e.IDAt) > 0 {
		return errors.New("id offsets in a record that does not know them all")
	}
	for k, offs := range e.IDAt {
		if k == "" || strings.ContainsAny(k, "\r\n\x00") || len(offs) == 0 || offs[0] < 0 || !slices.IsSorted(offs) {
			return fmt.Errorf("id offsets %v of %q", offs, k)
		}
	}
	if slices.Contains(e.BundleNeeded, "") {
		return errors.New("an empty reason the bundle is needed")
	}
	return nil
}

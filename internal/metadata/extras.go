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
//	{"v":3,"ignore":[{"includes":["logs/"]}],"stored":{"conf/app.conf":"<digest>"},"idAt":{"conf/app.conf":[0,118]}}
//
// with "idUnknown":true when IDKnown is false. Formats 1 and 2, which older
// bundlekits wrote, held whole-file SHA-256 digests in "stored" (see
// StoredSHA256); format 1 had no idAt either: DecodeExtras reads it with
// IDKnown false.
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
	// that deployment recorded, to the content digest of those bytes
	// (fileops.ContentDigest), which names them in the store of deployed
	// content: what a revert to the previous deployment needs. Never nil in
	// a decoded record.
	Stored map[string]string
	// StoredSHA256 reports a record of format 1 or 2, written by an older
	// bundlekit: Stored holds the whole-file SHA-256 of each file, which is
	// its content digest only up to 4 MiB (fileops.ContentChunkSize). A
	// larger object it names cannot be checked by its content digest.
	StoredSHA256 bool
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

// extrasVersion is the format EncodeExtras writes: content digests in
// "stored", and "idUnknown" when IDKnown is false. DecodeExtras reads it,
// format 2 (whole-file SHA-256 in "stored") and format 1 (whole-file
// SHA-256, and no idAt). An older bundlekit takes a record of a newer format
// for missing and refuses a revert without the bundle rather than make a
// wrong one: one that reads format 2 would check stored objects of more than
// 4 MiB against the wrong digest, one that reads format 1 cannot put a new
// id in a stored file.
const (
	extrasVersion       = 3
	extrasVersionSHA256 = 2
	extrasVersionNoID   = 1
)

// extrasFile is the JSON form of Extras.
type extrasFile struct {
	V            int                `json:"v"`
	Ignore       []IgnoreSet        `json:"ignore"`
	Dirs         []string           `json:"dirs,omitempty"`
	BundleNeeded []string           `json:"bundleNeeded,omitempty"`
	Stored       map[string]string  `json:"stored"`
	IDAt         map[string][]int64 `json:"idAt,omitempty"`
	IDUnknown    bool               `json:"idUnknown,omitempty"`
}

// ErrExtras is wrapped by every error of DecodeExtras.
var ErrExtras = errors.New("not a bundlekit deployment record")

// EncodeExtras returns e as its file holds it: one line of JSON, the keys of
// Stored in order. A stored key that is empty or holds a line break, or a
// digest that is not 64 lowercase hex digits, is refused, and so are
// offsets out of order or negative. A record is written in format 3, but
// one of whole-file SHA-256 digests (StoredSHA256, as decoded from an older
// bundlekit's) in the format it was read from: 2 when it knows where its ids
// are (IDKnown), 1 otherwise.
func EncodeExtras(e Extras) ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnencodable, err)
	}
	f := extrasFile{V: extrasVersion, Ignore: e.Ignore, Dirs: e.Dirs, BundleNeeded: e.BundleNeeded, Stored: e.Stored, IDAt: e.IDAt, IDUnknown: !e.IDKnown}
	if e.StoredSHA256 {
		f.V, f.IDUnknown = extrasVersionSHA256, false
		if !e.IDKnown {
			f.V = extrasVersionNoID
		}
	}
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
	switch {
	case f.V < extrasVersionNoID || f.V > extrasVersion:
		return nil, fmt.Errorf("%w: format %d (this bundlekit reads %d to %d)", ErrExtras, f.V, extrasVersionNoID, extrasVersion)
	case f.V == extrasVersionNoID && f.IDAt != nil:
		return nil, fmt.Errorf("%w: idAt in a record of format %d", ErrExtras, f.V)
	case f.V < extrasVersion && f.IDUnknown:
		return nil, fmt.Errorf("%w: idUnknown in a record of format %d", ErrExtras, f.V)
	}
	e := &Extras{Ignore: f.Ignore, Dirs: f.Dirs, BundleNeeded: f.BundleNeeded, Stored: f.Stored, StoredSHA256: f.V < extrasVersion, IDAt: f.IDAt,
		IDKnown: f.V == extrasVersionSHA256 || f.V == extrasVersion && !f.IDUnknown}
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
		if k == "" || strings.ContainsAny(k, "\r\n\x00") || !isDigest(v) {
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

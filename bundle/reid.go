package bundle

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/token"
)

// A realized template holding @@rhq.deploy.id@@ holds the id of the
// deployment that realized it, so the store's copy of it is not what a
// revert with the bundle writes: that one realizes the template again, with
// the new deployment's id. Every deployment therefore records where its
// realizations inserted its id (metadata.Extras.IDAt), and a revert without
// the bundle writes the stored object with the new id in those places. No
// other value of a token depends on the deployment: rhq.deploy.dir is the
// destination and rhq.deploy.name the bundle's name, the same for both.

// idState is the source's record of where its realization put the id: idAt,
// the offsets in the bytes whose MD5 is idHash; idSeen once known.
type idState struct {
	idAt   []int64
	idHash string
	idSeen bool
	// idInZip: a realized entry of a rebuilt compressed archive holds the
	// id, which no offset in the archive's bytes can name.
	idInZip bool
	// Of a stored object (fromStore): patch are the offsets of the old id,
	// oldID, in it, to be replaced by newID; idUnknown when the record of
	// the deployment reverted to does not say (format 1), idLost when it
	// says but the store lacks the object, so the bytes to write are not
	// known.
	patch        []int64
	oldID, newID string
	idUnknown    bool
	idLost       bool
}

// watchID returns r realized from values, noting in *at where the
// deployment's id is inserted.
func watchID(r io.Reader, values token.Lookup, at *[]int64) io.Reader {
	return token.NewWatchingReader(r, values, token.KeyDeployID, func(off int64) { *at = append(*at, off) })
}

// seen records a realization of s: at in the bytes whose MD5 is hash.
func (s *source) seen(at []int64, hash string) {
	s.idAt, s.idHash, s.idSeen = at, hash, true
}

// errIDMismatch: a stored object does not hold the id where its
// deployment's record says.
var errIDMismatch = errors.New("the stored object does not hold the deployment's id where its record says")

// idPatcher reads an object with the old id at the offsets at replaced by
// the new one, checking that the old id is there.
type idPatcher struct {
	r        io.Reader
	at       []int64
	old, new string
	in       int64 // bytes read from r
	out      []byte
	buf      []byte
}

func newIDPatcher(r io.Reader, at []int64, old, new string) *idPatcher {
	return &idPatcher{r: r, at: at, old: old, new: new, buf: make([]byte, len(old))}
}

func (p *idPatcher) Read(b []byte) (int, error) {
	for {
		switch {
		case len(p.out) > 0:
			n := copy(b, p.out)
			p.out = p.out[n:]
			return n, nil
		case len(b) == 0:
			return 0, nil
		case len(p.at) == 0:
			n, err := p.r.Read(b)
			p.in += int64(n)
			return n, err
		case p.in > p.at[0]:
			return 0, errIDMismatch
		case p.in < p.at[0]:
			n, err := p.r.Read(b[:min(int64(len(b)), p.at[0]-p.in)])
			p.in += int64(n)
			if errors.Is(err, io.EOF) {
				err = errIDMismatch
			}
			return n, err
		}
		if _, err := io.ReadFull(p.r, p.buf); err != nil || string(p.buf) != p.old {
			return 0, errIDMismatch
		}
		p.in += int64(len(p.buf))
		p.at = p.at[1:]
		p.out = []byte(p.new)
	}
}

// patchedAt returns the offsets of the new id in the patched bytes.
func (s *source) patchedAt() []int64 {
	at := make([]int64, len(s.patch))
	for i, off := range s.patch {
		at[i] = off + int64(i)*int64(len(s.newID)-len(s.oldID))
	}
	return at
}

// storedReader returns what a revert writes of the stored object rc: its
// bytes with the new id where the old one was, and the content digest of the
// object as read, to check it against the digest recorded.
func (s *source) storedReader(rc io.Reader) (io.Reader, hash.Hash) {
	h := fileops.NewContentHash()
	var r io.Reader = io.TeeReader(rc, h)
	if len(s.patch) > 0 {
		r = newIDPatcher(r, s.patch, s.oldID, s.newID)
	}
	return r, h
}

// reID readies the stored sources of a revert to deployment from, whose
// record says where its ids are (idAt, when known), for the new deployment:
// a source whose object holds from's id is planned with the MD5 of its bytes
// with the new id, read now. An object that does not hold the bytes
// recorded, or not the id where recorded, is a *BundleNeededError.
func (p *Plan) reID(c *content, d fsDisk, idAt map[string][]int64, known bool, from int) error {
	damaged := func(k, format string, args ...any) error {
		return &BundleNeededError{Dest: p.Dest, ID: from, Reason: "the store is damaged: " + fmt.Sprintf(format, args...), Paths: []string{k}, Missing: 1}
	}
	for _, k := range c.order {
		s := c.sources[k]
		switch {
		case !known:
			s.idUnknown = true
			continue
		case len(idAt[k]) == 0:
			s.seen(nil, s.hash)
			continue
		case s.file == "":
			s.idLost = true
			continue
		}
		s.patch, s.oldID, s.newID = idAt[k], strconv.Itoa(from), strconv.Itoa(p.ID)
		rc, err := d.open(s.file)
		if err != nil {
			s.idLost, s.file = true, ""
			continue
		}
		r, sh := s.storedReader(rc)
		m := md5.New()
		_, err = io.Copy(m, r)
		rc.Close()
		switch {
		case errors.Is(err, errIDMismatch):
			return damaged(k, "%s does not hold @@%s@@ %s where the record says", s.file, token.KeyDeployID, s.oldID)
		case err != nil:
			return fmt.Errorf("re-realize @@%s@@ in %s from %s: %w", token.KeyDeployID, k, s.file, err)
		}
		if got := hex.EncodeToString(sh.Sum(nil)); got != s.digest {
			return damaged(k, "%s does not hold the bytes recorded (digest %s, found %s)", s.file, s.digest, got)
		}
		s.hash = hex.EncodeToString(m.Sum(nil))
		s.seen(s.patchedAt(), s.hash)
	}
	return nil
}

// idRecord returns where the files of the map recorded hold the new
// deployment's id (metadata.Extras.IDAt), whether that is known of every
// file, and needed with what a revert to it cannot do without the bundle: a
// compressed archive rebuilt with the id in an entry. What the map records
// of a path that is not the realization seen (a restored backup) holds no id
// the deployment put there.
func (c *content) idRecord(recorded map[string]string, needed []string) (map[string][]int64, bool, []string) {
	ids := map[string][]int64{}
	known := true
	for _, k := range c.order {
		s := c.sources[k]
		h, ok := recorded[k]
		switch {
		case !ok:
		case s.idInZip:
			needed = append(slices.Clone(needed), fmt.Sprintf("the @@%s@@ in the entries of %s", token.KeyDeployID, k))
		case s.idSeen && h == s.idHash:
			if len(s.idAt) > 0 {
				ids[k] = s.idAt
			}
		case s.idSeen:
		case s.realize || s.idUnknown || s.idLost:
			known = false
		}
	}
	if !known {
		return nil, false, needed
	}
	return ids, true, needed
}

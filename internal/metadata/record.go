package metadata

import (
	"slices"
	"time"
)

// Write is one file of a metadata update: Name, relative to D with "/", gets
// exactly Data. The writer creates Name's parent directories first (R28:
// ".rhqdeployments/" and "<id>/", which backups may already have created).
type Write struct {
	Name string
	Data []byte
}

// RecordPaths are the paths Record may write for deployment id, in its
// order: a caller that reserves them ahead of Record needs no others.
func RecordPaths(id int32) []string {
	return []string{DeploymentPath(id), HashesPath(id), PreviousPath(id), CurrentPath}
}

// Record plans the metadata write that ends every deployment (R28), in the
// order RHQ writes it: IDDir(p.ID)'s deployment.properties, its
// file-hashcodes.dat (from h; see EncodeHashes), its
// previous-deployment.properties when state has a current-deployment.properties
// (a byte copy of that file as Load read it, valid or not; it is the same
// deployment when p.ID is the current id, R29), and CurrentPath last, so
// that a destination is never managed by a record whose folder is incomplete.
// now is the time in the properties' comment line. state may be nil when D has
// no metadata. Nothing is returned unless every file encodes (R23).
func Record(state *State, p Properties, h Hashes, now time.Time) ([]Write, error) {
	var props, hashes []byte
	var err error
	if state != nil && state.sameHashes(h) {
		// A redeployment of the same files: the same bytes, not sorted again.
		props, err = EncodeProperties(p, now)
		hashes = []byte(state.hashesRaw)
	} else {
		props, hashes, err = encode(p, h, now)
	}
	if err != nil {
		return nil, err
	}
	w := []Write{
		{Name: DeploymentPath(p.ID), Data: props},
		{Name: HashesPath(p.ID), Data: hashes},
	}
	if state != nil && state.current != nil {
		w = append(w, Write{Name: PreviousPath(p.ID), Data: slices.Clone(state.current)})
	}
	return append(w, Write{Name: CurrentPath, Data: slices.Clone(props)}), nil
}

// RecordRestored plans the metadata rewrite after a revert restored at least
// one file (R132): what Record writes but previous-deployment.properties,
// which already names the deployment reverted from. h holds the restored
// files' hashes (R30, R131).
func RecordRestored(p Properties, h Hashes, now time.Time) ([]Write, error) {
	props, hashes, err := encode(p, h, now)
	if err != nil {
		return nil, err
	}
	return []Write{
		{Name: DeploymentPath(p.ID), Data: props},
		{Name: HashesPath(p.ID), Data: hashes},
		{Name: CurrentPath, Data: slices.Clone(props)},
	}, nil
}

func encode(p Properties, h Hashes, now time.Time) (props, hashes []byte, err error) {
	if props, err = EncodeProperties(p, now); err != nil {
		return nil, nil, err
	}
	if hashes, err = EncodeHashes(h); err != nil {
		return nil, nil, err
	}
	return props, hashes, nil
}

// sameHashes reports whether EncodeHashes(h) would write the current map's
// file as it was read: the same files with the same hashes, directories
// aside, and a file written as EncodeHashes writes it.
func (s *State) sameHashes(h Hashes) bool {
	if !s.hashesRead || s.hashesErr != nil {
		return false
	}
	n := 0
	for k, v := range h {
		if v == MarkDirectory {
			continue
		}
		if old, ok := s.hashes[k]; !ok || old != v {
			return false
		}
		n++
	}
	return n == len(s.hashes) && canonical(s.hashesRaw)
}

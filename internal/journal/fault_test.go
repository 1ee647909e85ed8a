//go:build unix

package journal

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/faults"
	"github.com/bundlekit/bundlekit/internal/metadata"
)

// TestUndoLeavesNoTemporaryFile: a temporary file that undoing cannot remove
// fails the undo step, so the journal stays and the next Recover removes it;
// removing it was best effort, and a rolled-back operation could leave one
// behind (issue #11).
func TestUndoLeavesNoTemporaryFile(t *testing.T) {
	s := newScene(t, "conf/app.conf=old")
	before := snap(t, s)
	tx := begin(t, s, nil)
	_, err := tx.WriteFile(context.Background(), "conf/app.conf", strings.NewReader("new"), 0)
	require.NoError(t, err)
	// What a writer killed (or whose clean-up failed) leaves.
	temp := filepath.Join(s.d.Path(), "conf", ".bundlekit-left.tmp")
	require.NoError(t, os.WriteFile(temp, []byte("partial"), 0o600))
	faults.Set(func(op faults.Op) error {
		if op.Kind == "remove" && op.Path == temp {
			return syscall.EIO
		}
		return nil
	})
	err = tx.Abort()
	faults.Set(nil)
	require.ErrorIs(t, err, syscall.EIO)
	require.True(t, PendingAt(s.d.Path()), "the journal stays for Recover")

	outcome, err := RecoverDest(context.Background(), s.d.Path(), 0)
	require.NoError(t, err)
	require.Equal(t, RolledBack, outcome)
	requireTreeEqual(t, before, s, "tree after Recover")
	requireClean(t, s)
}

// TestCommitRecordNotDurable: a commit record written but not synced is a
// commit (ErrCommitted): Finish completes the operation, and Abort, called
// instead, completes it too and says so.
func TestCommitRecordNotDurable(t *testing.T) {
	for _, finish := range []bool{true, false} {
		s := newScene(t, "a=old")
		tx := begin(t, s, nil)
		_, err := tx.WriteFile(context.Background(), "a", strings.NewReader("new"), 0)
		require.NoError(t, err)
		syncs := 0
		faults.Set(func(op faults.Op) error {
			if op.Kind == "fdatasync" && strings.HasSuffix(op.Path, filepath.FromSlash(journal)) {
				syncs++
				return syscall.EIO // the commit record's: the only record synced after durable()
			}
			return nil
		})
		err = tx.Commit()
		faults.Set(nil)
		require.Equal(t, 1, syncs)
		require.ErrorIs(t, err, ErrCommitted)
		require.ErrorIs(t, err, syscall.EIO)
		if finish {
			require.NoError(t, tx.Finish())
		} else {
			require.ErrorIs(t, tx.Abort(), ErrCommitted)
		}
		require.Equal(t, file(fileMode, "new"), snap(t, s)["a"])
		requireClean(t, s)
	}
}

// TestBeginFailsLeavesNothing: a begin that fails after making the journal
// takes it back; nothing is pending and the metadata folder is gone. Begin
// syncs nothing: its record and the journal's name are made durable by the
// first record synced, before the first change that needs them, and when
// that sync fails the operation is taken back as cleanly.
func TestBeginFailsLeavesNothing(t *testing.T) {
	for _, kind := range []string{"fsync", "write", "fdatasync"} {
		t.Run(kind, func(t *testing.T) {
			s := newScene(t, "a=old")
			before := snap(t, s)
			faults.Set(func(op faults.Op) error {
				inJournal := strings.Contains(op.Path, filepath.FromSlash(Dir+"/")) || strings.HasSuffix(op.Path, filepath.FromSlash(Dir))
				if op.Kind == kind && inJournal {
					return syscall.ENOSPC
				}
				return nil
			})
			tx, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "deploy", ID: 1})
			if kind != "write" {
				require.NoError(t, err)
				_, err = tx.WriteFile(context.Background(), "a", strings.NewReader("new"), 0)
				require.ErrorIs(t, err, syscall.ENOSPC)
				faults.Set(nil)
				require.NoError(t, tx.Abort())
			}
			faults.Set(nil)
			require.ErrorIs(t, err, syscall.ENOSPC)
			require.False(t, PendingAt(s.d.Path()))
			requireTreeEqual(t, before, s, "tree after a failed Begin")
		})
	}
}

// TestFirstSyncNamesJournal: Begin writes its record without a sync; the
// first record synced makes it durable, and the journal's directory entry
// with it (fsync of the journal's folder, then fdatasync of the journal,
// both before the change), once.
func TestFirstSyncNamesJournal(t *testing.T) {
	s := newScene(t, "a=old", "b=old")
	var ops []string
	var mu sync.Mutex
	faults.Set(func(op faults.Op) error {
		mu.Lock()
		defer mu.Unlock()
		if rel, err := filepath.Rel(s.d.Path(), op.Path); err == nil {
			ops = append(ops, op.Kind+" "+filepath.ToSlash(rel))
		}
		return nil
	})
	defer faults.Set(nil)
	tx, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "deploy", ID: 1})
	require.NoError(t, err)
	require.NotContains(t, ops, "fdatasync "+journal, "Begin syncs nothing")
	require.NotContains(t, ops, "fsync "+Dir)
	begun := len(ops)
	for _, key := range []string{"a", "b"} {
		_, err = tx.WriteFile(context.Background(), key, strings.NewReader("new"), 0)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())
	require.NoError(t, tx.Finish())
	index := func(op string) int {
		i := slices.Index(ops, op)
		require.GreaterOrEqual(t, i, 0, "%s in %v", op, ops)
		return i
	}
	change := begun + slices.IndexFunc(ops[begun:], func(op string) bool {
		kind, p, _ := strings.Cut(op, " ")
		return kind != "fsync" && kind != "fdatasync" && kind != "write" && !strings.HasPrefix(p, metadata.Dir+"/")
	})
	require.GreaterOrEqual(t, change, begun, "a change in %v", ops)
	require.Less(t, index("fsync "+Dir), change, "the journal's name is durable before the first change: %v", ops)
	require.Less(t, index("fdatasync "+journal), change, "the begin record is durable before the first change: %v", ops)
}

//go:build unix

package journal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/internal/faults"
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
// takes it back; nothing is pending and the metadata folder is gone.
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
			_, err := Begin(context.Background(), s.d.Path(), TxOptions{Kind: "deploy", ID: 1})
			faults.Set(nil)
			require.ErrorIs(t, err, syscall.ENOSPC)
			require.False(t, PendingAt(s.d.Path()))
			requireTreeEqual(t, before, s, "tree after a failed Begin")
		})
	}
}

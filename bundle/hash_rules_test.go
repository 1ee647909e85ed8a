package bundle_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/bundle"
)

// TestHashRules checks the hashes recorded in file-hashcodes.dat, which RHQ must
// be able to compare byte for byte: MD5 of the source bytes for a plain raw file
// (R49, R50), of the realized bytes for a realized one (R51), of each entry as
// written for an exploded archive, realized or not (R52), and of the archive
// file itself for a compressed one (R53); directories are never recorded (R19,
// R54).
func TestHashRules(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	b := openBundle(t, map[string]string{
		"deploy.xml": `<project xmlns:rhq="antlib:org.rhq.bundle"><rhq:bundle name="h" version="1">
  <rhq:input-property name="p" defaultValue="7081"/>
  <rhq:deployment-unit name="u">
    <rhq:file name="plain.txt"/>
    <rhq:file name="tmpl.conf" replace="true"/>
    <rhq:archive name="app.zip"><rhq:replace><rhq:fileset includes="**/*.properties"/></rhq:replace></rhq:archive>
    <rhq:archive name="lib/client.zip" exploded="false"/>
  </rhq:deployment-unit></rhq:bundle></project>`,
		"plain.txt":      "plain @@p@@",
		"tmpl.conf":      "port=@@p@@\r\n",
		"app.zip":        "ZIP:conf/x.properties=port=@@p@@|bin/run.sh=run",
		"lib/client.zip": "ZIP:a=b",
	})
	_, err := bundle.Deploy(ctx, b, bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	require.Equal(t, map[string]string{
		"plain.txt":         md5hex("plain @@p@@"),
		"tmpl.conf":         md5hex("port=7081\r\n"),
		"conf/x.properties": md5hex("port=7081"),
		"bin/run.sh":        md5hex("run"),
		"lib/client.zip":    md5hex(readFile(t, filepath.Join(b.Source, "lib/client.zip"))),
	}, readHashes(t, dest, 1))
}

// TestRescanHashesContent is R55: a rescan hashes every file in full, so an edit
// that keeps the size and the modification time is still seen.
func TestRescanHashesContent(t *testing.T) {
	ctx := context.Background()
	dest := filepath.Join(t.TempDir(), "app")
	s := spec{Files: map[string]string{"a/x": "AAAA"}}
	_, err := bundle.Deploy(ctx, s.open(t), bundle.Options{Dest: dest, ID: 1})
	require.NoError(t, err)
	p := filepath.Join(dest, "a/x")
	fi, err := os.Stat(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, []byte("BBBB"), 0o644))
	require.NoError(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
	st, err := bundle.Status(ctx, dest)
	require.NoError(t, err)
	require.Equal(t, []string{"a/x"}, st.Drift.Changed)
}

package ant

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/fileops"
	"github.com/bundlekit/bundlekit/internal/testzip"
)

func TestMkdir(t *testing.T) {
	runCases(t, []taskCase{
		{name: "nested, creating the deploy dir", tasks: `<mkdir dir="${rhq.deploy.dir}/logs/old"/>`,
			want: map[string]string{"deploy/logs/old": dir},
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, []string{"Created dir: " + f.path("deploy/logs/old")}, f.messages(EventLog))
			}},
		{name: "relative to the basedir", tasks: `<mkdir dir="work"/>`, want: map[string]string{"base/work": dir}},
		{name: "existing is fine and not logged", files: map[string]string{"base/work/": ""}, tasks: `<mkdir dir="work"/>`,
			check: func(t *testing.T, f *fixture) { require.Empty(t, f.messages(EventLog)) }},
		{name: "a file in the way", files: map[string]string{"base/work": "x"}, tasks: `<mkdir dir="work/sub"/>`, wantErr: "mkdir"},
		{name: "outside both directories", tasks: `<mkdir dir="${basedir}/../ext/new"/>`, want: map[string]string{"ext/new": dir}},
	})
}

func TestTouch(t *testing.T) {
	when := time.Date(2020, 1, 2, 3, 4, 0, 0, time.Local)
	runCases(t, []taskCase{
		{name: "creates a file", tasks: `<touch file="new.txt"/>`, want: map[string]string{"base/new.txt": ""}},
		{name: "millis", files: map[string]string{"base/a": "keep"}, tasks: `<touch file="a" millis="1577934240000"/>`,
			want: map[string]string{"base/a": "keep"},
			check: func(t *testing.T, f *fixture) {
				fi, err := os.Stat(f.path("base/a"))
				require.NoError(t, err)
				require.Equal(t, int64(1577934240000), fi.ModTime().UnixMilli())
			}},
		{name: "datetime", tasks: `<touch file="a" datetime="01/02/2020 03:04 AM"/>`,
			check: func(t *testing.T, f *fixture) {
				fi, err := os.Stat(f.path("base/a"))
				require.NoError(t, err)
				require.True(t, fi.ModTime().Equal(when), "mtime %v", fi.ModTime())
			}},
		{name: "missing directory without mkdirs", tasks: `<touch file="${rhq.deploy.dir}/x/y"/>`, wantErr: "its directory does not exist"},
		{name: "missing directory with mkdirs", tasks: `<touch file="${rhq.deploy.dir}/x/y" mkdirs="true"/>`, want: map[string]string{"deploy/x/y": ""}},
	})
}

func TestCopy(t *testing.T) {
	old := time.Now().Add(-time.Hour)
	runCases(t, []taskCase{
		{name: "file to file", files: map[string]string{"base/a.txt": "A"},
			tasks: `<copy file="a.txt" tofile="${rhq.deploy.dir}/conf/b.txt"/>`,
			want:  map[string]string{"deploy/conf/b.txt": "A", "base/a.txt": "A"},
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, []string{"Copying 1 file to " + f.path("deploy/conf/b.txt")}, f.messages(EventLog))
			}},
		{name: "file to dir", files: map[string]string{"base/sub/a.txt": "A"},
			tasks: `<copy file="sub/a.txt" todir="${rhq.deploy.dir}"/>`, want: map[string]string{"deploy/a.txt": "A"}},
		{name: "missing source fails", tasks: `<copy file="none" todir="out"/>`, wantErr: "cannot find"},
		{name: "missing source with failonerror=false", tasks: `<copy file="none" todir="out" failonerror="false"/>`,
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, []string{"cannot find " + f.path("base/none") + " to copy"}, f.messages(EventLog))
			}},
		{name: "a directory as file", files: map[string]string{"base/d/": ""}, tasks: `<copy file="d" todir="out"/>`, wantErr: "copy directories with a nested <fileset>"},
		{name: "fileset keeps the structure, default excludes apply",
			files:  map[string]string{"base/src/a.txt": "A", "base/src/sub/b.xml": "B", "base/src/.git/config": "G", "base/src/c.txt~": "old", "base/src/empty/": ""},
			tasks:  `<copy todir="${rhq.deploy.dir}"><fileset dir="src"/></copy>`,
			want:   map[string]string{"deploy/a.txt": "A", "deploy/sub/b.xml": "B", "deploy/empty": dir},
			absent: []string{"deploy/.git", "deploy/c.txt~"}},
		{name: "includes, excludes, defaultexcludes=no, includeemptydirs=false",
			files: map[string]string{"base/src/a.txt": "A", "base/src/b.log": "L", "base/src/.git/config": "G", "base/src/empty/": ""},
			tasks: `<copy todir="out" includeemptydirs="false"><fileset dir="src" excludes="*.log" defaultexcludes="no"/></copy>`,
			want:  map[string]string{"base/out/a.txt": "A", "base/out/.git/config": "G"}, absent: []string{"base/out/b.log", "base/out/empty"}},
		{name: "flatten", files: map[string]string{"base/src/x/a.txt": "A", "base/src/y/b.txt": "B"},
			tasks: `<copy todir="flat" flatten="true"><fileset dir="src" includes="**/*.txt"/></copy>`,
			want:  map[string]string{"base/flat/a.txt": "A", "base/flat/b.txt": "B"}, absent: []string{"base/flat/x"}},
		{name: "missing fileset dir", tasks: `<copy todir="out"><fileset dir="none"/></copy>`, wantErr: "fileset directory " /* … does not exist */},
		{name: "missing fileset dir allowed", tasks: `<copy todir="out"><fileset dir="none" erroronmissingdir="false"/></copy>`},
		{name: "fileset into one file", files: map[string]string{"base/src/a": "A"},
			tasks: `<copy tofile="one"><fileset dir="src"/></copy>`, want: map[string]string{"base/one": "A"}},
		{name: "fileset of two into one file", files: map[string]string{"base/src/a": "A", "base/src/b": "B"},
			tasks: `<copy tofile="one"><fileset dir="src"/></copy>`, wantErr: "cannot copy 2 files into the one file"},
		{name: "newer destination is kept without overwrite",
			files: map[string]string{"base/a": "new source", "deploy/a": "newer dest"},
			tasks: `<touch file="a" millis="` + itoa(old.UnixMilli()) + `"/><copy file="a" todir="${rhq.deploy.dir}"/>`,
			want:  map[string]string{"deploy/a": "newer dest"}},
		{name: "overwrite replaces it", files: map[string]string{"base/a": "new source", "deploy/a": "newer dest"},
			tasks: `<touch file="a" millis="` + itoa(old.UnixMilli()) + `"/><copy file="a" todir="${rhq.deploy.dir}" overwrite="true"/>`,
			want:  map[string]string{"deploy/a": "new source"}},
		{name: "older destination is replaced", files: map[string]string{"base/a": "source", "deploy/a": "old dest"},
			tasks: `<touch file="${rhq.deploy.dir}/a" millis="` + itoa(old.UnixMilli()) + `"/><copy file="a" todir="${rhq.deploy.dir}"/>`,
			want:  map[string]string{"deploy/a": "source"}},
		{name: "preservelastmodified", files: map[string]string{"base/a": "A"},
			tasks: `<touch file="a" millis="1000000000000"/><copy file="a" todir="out" preservelastmodified="true"/>`,
			check: func(t *testing.T, f *fixture) {
				fi, err := os.Stat(f.path("base/out/a"))
				require.NoError(t, err)
				require.Equal(t, int64(1000000000000), fi.ModTime().UnixMilli())
			}},
		{name: "permissions are not copied, as in Ant", files: map[string]string{"base/run.sh": "#!/bin/sh"},
			tasks: `<chmod file="run.sh" perm="755"/><copy file="run.sh" todir="out"/>`,
			check: func(t *testing.T, f *fixture) {
				if runtime.GOOS != "windows" {
					require.Equal(t, fs.FileMode(0o644), modeOf(t, f.path("base/out/run.sh")).Perm())
				}
			}},
		{name: "self copy is skipped", files: map[string]string{"base/a": "A"}, tasks: `<copy file="a" todir="."/>`, want: map[string]string{"base/a": "A"}},
	})
}

func TestMove(t *testing.T) {
	runCases(t, []taskCase{
		{name: "file to file within the deploy dir", files: map[string]string{"deploy/a": "A"},
			tasks: `<move file="${rhq.deploy.dir}/a" tofile="${rhq.deploy.dir}/b/c"/>`,
			want:  map[string]string{"deploy/b/c": "A"}, absent: []string{"deploy/a"}},
		{name: "file across directories", files: map[string]string{"base/a": "A"},
			tasks: `<move file="a" todir="${rhq.deploy.dir}"/>`, want: map[string]string{"deploy/a": "A"}, absent: []string{"base/a"}},
		{name: "overwrite is the default", files: map[string]string{"base/a": "new", "base/b": "old"},
			tasks: `<move file="a" tofile="b"/>`, want: map[string]string{"base/b": "new"}, absent: []string{"base/a"}},
		{name: "a directory is renamed", files: map[string]string{"deploy/d/x": "X", "deploy/d/sub/y": "Y"},
			tasks: `<move file="${rhq.deploy.dir}/d" tofile="${rhq.deploy.dir}/e"/>`,
			want:  map[string]string{"deploy/e/x": "X", "deploy/e/sub/y": "Y"}, absent: []string{"deploy/d"}},
		{name: "a directory into another directory", files: map[string]string{"base/d/x": "X"},
			tasks: `<move file="d" todir="${rhq.deploy.dir}"/>`,
			want:  map[string]string{"deploy/d/x": "X"}, absent: []string{"base/d"}},
		{name: "fileset: emptied directories go", files: map[string]string{"base/src/a.txt": "A", "base/src/sub/b.txt": "B"},
			tasks: `<move todir="${rhq.deploy.dir}"><fileset dir="src"/></move>`,
			want:  map[string]string{"deploy/a.txt": "A", "deploy/sub/b.txt": "B"}, absent: []string{"base/src"}},
		{name: "fileset: a directory with files left stays", files: map[string]string{"base/src/a.txt": "A", "base/src/b.log": "L"},
			tasks: `<move todir="out"><fileset dir="src" includes="*.txt"/></move>`,
			want:  map[string]string{"base/out/a.txt": "A", "base/src/b.log": "L"}, absent: []string{"base/src/a.txt"}},
		{name: "the deploy dir cannot be moved", files: map[string]string{"deploy/a": "A"},
			tasks: `<move file="${rhq.deploy.dir}" tofile="${basedir}/../ext/d"/>`, wantIs: ErrProtected, want: map[string]string{"deploy/a": "A"}},
	})
}

func TestDelete(t *testing.T) {
	runCases(t, []taskCase{
		{name: "file", files: map[string]string{"deploy/a": "A"}, tasks: `<delete file="${rhq.deploy.dir}/a"/>`, absent: []string{"deploy/a"}},
		{name: "missing file is fine", tasks: `<delete file="none"/>`},
		{name: "directory tree", files: map[string]string{"deploy/d/x": "X", "deploy/d/e/y": "Y", "deploy/keep": "K"},
			tasks: `<delete dir="${rhq.deploy.dir}/d"/>`, absent: []string{"deploy/d"}, want: map[string]string{"deploy/keep": "K"}},
		{name: "a directory given as file is left, with a warning", files: map[string]string{"base/d/x": "X"},
			tasks: `<delete file="d"/>`, want: map[string]string{"base/d/x": "X"},
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, []string{"Directory " + f.path("base/d") + " cannot be removed using the file attribute. Use dir instead."}, f.messages(EventLog))
			}},
		{name: "quiet says nothing", files: map[string]string{"base/d/x": "X"}, tasks: `<delete file="d" quiet="true"/>`,
			check: func(t *testing.T, f *fixture) { require.Empty(t, f.messages(EventLog)) }},
		{name: "implicit fileset", files: map[string]string{"base/w/a.tmp": "", "base/w/s/b.tmp": "", "base/w/c.txt": "C"},
			tasks: `<delete dir="w" includes="**/*.tmp"/>`, want: map[string]string{"base/w/c.txt": "C", "base/w/s": dir},
			absent: []string{"base/w/a.tmp", "base/w/s/b.tmp"}},
		{name: "fileset with includeemptydirs", files: map[string]string{"base/w/a.tmp": "", "base/w/s/b.tmp": "", "base/w/c.txt": "C"},
			tasks: `<delete includeemptydirs="true"><fileset dir="w"><include name="**/*.tmp"/><include name="s"/></fileset></delete>`,
			want:  map[string]string{"base/w/c.txt": "C"}, absent: []string{"base/w/s"}},
		{name: "everything in a dir, the dir too", files: map[string]string{"ext/w/a": "", "ext/w/s/b": ""},
			tasks: `<delete includeemptydirs="true"><fileset dir="${basedir}/../ext/w"/></delete>`, absent: []string{"ext/w"}},
		{name: "the deploy dir is protected", files: map[string]string{"deploy/a": "A"},
			tasks: `<delete dir="${rhq.deploy.dir}"/>`, wantIs: ErrProtected, want: map[string]string{"deploy/a": "A"}},
		{name: "a parent of the basedir is protected", tasks: `<delete dir="${basedir}/.."/>`, wantIs: ErrProtected},
		{name: "protected even with failonerror=false", files: map[string]string{"deploy/a": "A"},
			tasks: `<delete dir="${rhq.deploy.dir}" failonerror="false"/>`, want: map[string]string{"deploy/a": "A"},
			check: func(t *testing.T, f *fixture) { require.Len(t, f.messages(EventLog), 1) }},
		{name: "the root of an emptied fileset stays when protected", files: map[string]string{"deploy/a": "A"},
			tasks: `<delete includeemptydirs="true"><fileset dir="${rhq.deploy.dir}"/></delete>`,
			want:  map[string]string{"deploy": dir}, absent: []string{"deploy/a"}},
	})
}

func TestChmod(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("permission bits")
	}
	mode := func(rel string, want fs.FileMode) func(*testing.T, *fixture) {
		return func(t *testing.T, f *fixture) { require.Equal(t, want, modeOf(t, f.path(rel)).Perm(), rel) }
	}
	runCases(t, []taskCase{
		{name: "octal", files: map[string]string{"deploy/bin/run.sh": ""}, tasks: `<chmod file="${rhq.deploy.dir}/bin/run.sh" perm="750"/>`,
			check: mode("deploy/bin/run.sh", 0o750)},
		{name: "symbolic", files: map[string]string{"base/a": ""}, tasks: `<chmod file="a" perm="u+x,go-r"/>`, check: mode("base/a", 0o700)},
		{name: "dir means its files", files: map[string]string{"base/bin/a.sh": "", "base/bin/sub/b.sh": "", "base/bin/c.txt": ""},
			tasks: `<chmod dir="bin" perm="ugo+rx" includes="**/*.sh"/>`,
			check: func(t *testing.T, f *fixture) {
				mode("base/bin/a.sh", 0o755)(t, f)
				mode("base/bin/sub/b.sh", 0o755)(t, f)
				mode("base/bin/c.txt", 0o644)(t, f)
				mode("base/bin/sub", 0o755)(t, f)
			}},
		{name: "type dir", files: map[string]string{"base/d/s/a": ""}, tasks: `<chmod perm="700" type="dir"><fileset dir="d"/></chmod>`,
			check: func(t *testing.T, f *fixture) {
				mode("base/d", 0o700)(t, f)
				mode("base/d/s", 0o700)(t, f)
				mode("base/d/s/a", 0o644)(t, f)
			}},
		{name: "missing file is a warning", tasks: `<chmod file="none" perm="755"/>`,
			check: func(t *testing.T, f *fixture) { require.Len(t, f.messages(EventLog), 1) }},
		{name: "missing file with failonerror", tasks: `<chmod file="none" perm="755" failonerror="true"/>`, wantErr: "none"},
	})
	t.Run("a no-op on Windows", func(t *testing.T) {
		f := newFixture(t)
		f.env.OS = "windows"
		f.files(map[string]string{"base/a": ""})
		require.NoError(t, f.run(`<chmod file="a" perm="700"/>`))
		require.Equal(t, fs.FileMode(0o644), modeOf(t, f.path("base/a")).Perm())
	})
}

func TestReplace(t *testing.T) {
	runCases(t, []taskCase{
		{name: "token and value", files: map[string]string{"deploy/conf/app.conf": "port=@PORT@\nhost=@HOST@ @PORT@\n"},
			props: map[string]string{"p": "8080"},
			tasks: `<replace file="${rhq.deploy.dir}/conf/app.conf" token="@PORT@" value="${p}" summary="true"/>`,
			want:  map[string]string{"deploy/conf/app.conf": "port=8080\nhost=@HOST@ 8080\n"},
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, []string{"Replaced 2 occurrences in 1 file."}, f.messages(EventLog))
			}},
		{name: "no value removes the token", files: map[string]string{"base/a": "x-TOKEN-y"},
			tasks: `<replace file="a" token="-TOKEN-"/>`, want: map[string]string{"base/a": "xy"}},
		{name: "filters apply in order on the output", files: map[string]string{"base/a": "aaa"},
			tasks: `<replace file="a" token="a" value="b"><replacefilter token="bb" value="c"/><replacefilter token="x"/></replace>`,
			want:  map[string]string{"base/a": "cb"}},
		{name: "replacetoken and replacevalue text", files: map[string]string{"base/a": "one\ntwo"},
			tasks: "<replace file=\"a\"><replacetoken>one\ntwo</replacetoken><replacevalue>1,2</replacevalue></replace>",
			want:  map[string]string{"base/a": "1,2"}},
		{name: "a filter without value uses the task's", files: map[string]string{"base/a": "x y"},
			tasks: `<replace file="a" value="V"><replacefilter token="x"/><replacefilter token="y" value="W"/></replace>`,
			want:  map[string]string{"base/a": "V W"}},
		{name: "dir and includes", files: map[string]string{"base/c/a.xml": "@T@", "base/c/b.txt": "@T@", "base/c/s/d.xml": "@T@"},
			tasks: `<replace dir="c" includes="**/*.xml" token="@T@" value="v"/>`,
			want:  map[string]string{"base/c/a.xml": "v", "base/c/b.txt": "@T@", "base/c/s/d.xml": "v"}},
		{name: "missing file", tasks: `<replace file="none" token="a"/>`, wantErr: "cannot find"},
		{name: "an untouched file is not rewritten", files: map[string]string{"base/a": "nothing here"},
			tasks: `<touch file="a" millis="1000000000000"/><replace file="a" token="@X@" value="y"/>`,
			want:  map[string]string{"base/a": "nothing here"},
			check: func(t *testing.T, f *fixture) {
				fi, err := os.Stat(f.path("base/a"))
				require.NoError(t, err)
				require.Equal(t, int64(1000000000000), fi.ModTime().UnixMilli())
			}},
	})
}

func TestUnzip(t *testing.T) {
	archive := zipBytes(t, map[string]string{"app/": "", "app/a.txt": "A", "app/conf/b.xml": "B"})
	hostile := string(testzip.Build(t, testzip.Entry{Name: "../evil.txt", Body: "x"}))
	runCases(t, []taskCase{
		{name: "everything", files: map[string]string{"base/app.zip": archive},
			tasks: `<unzip src="app.zip" dest="${rhq.deploy.dir}"/>`,
			want:  map[string]string{"deploy/app/a.txt": "A", "deploy/app/conf/b.xml": "B"}},
		{name: "patternset", files: map[string]string{"base/app.zip": archive},
			tasks: `<unzip src="app.zip" dest="out"><patternset><include name="**/*.xml"/></patternset></unzip>`,
			want:  map[string]string{"base/out/app/conf/b.xml": "B"}, absent: []string{"base/out/app/a.txt"}},
		{name: "overwrite=false keeps existing files", files: map[string]string{"base/app.zip": archive, "base/out/app/a.txt": "mine"},
			tasks: `<unzip src="app.zip" dest="out" overwrite="false"/>`,
			want:  map[string]string{"base/out/app/a.txt": "mine", "base/out/app/conf/b.xml": "B"}},
		{name: "R181 an entry climbing out is refused before anything is written", files: map[string]string{"base/evil.zip": hostile},
			tasks: `<unzip src="evil.zip" dest="${rhq.deploy.dir}/x"/>`, wantIs: fileops.ErrUnsafePath,
			absent: []string{"deploy/evil.txt", "deploy/x"}},
		{name: "missing archive", tasks: `<unzip src="none.zip" dest="out"/>`, wantIs: fs.ErrNotExist},
	})
}

func TestZip(t *testing.T) {
	runCases(t, []taskCase{
		{name: "basedir with excludes and a fileset", files: map[string]string{"base/w/a.txt": "A", "base/w/s/b.txt": "B", "base/w/c.log": "L", "base/x/d": "D"},
			tasks: `<zip destfile="${rhq.deploy.dir}/out.zip" basedir="w" excludes="*.log"><fileset dir="x"/></zip>`,
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, map[string]string{"a.txt": "A", "d": "D", "s/": "", "s/b.txt": "B"}, readZip(t, f.path("deploy/out.zip")))
			}},
		{name: "filesonly", files: map[string]string{"base/w/s/b.txt": "B"},
			tasks: `<zip destfile="out.zip" basedir="w" filesonly="true"/>`,
			check: func(t *testing.T, f *fixture) {
				require.Equal(t, map[string]string{"s/b.txt": "B"}, readZip(t, f.path("base/out.zip")))
			}},
		{name: "nothing to zip", files: map[string]string{"base/w/": ""}, tasks: `<zip destfile="out.zip" basedir="w"/>`,
			absent: []string{"base/out.zip"},
			check:  func(t *testing.T, f *fixture) { require.Len(t, f.messages(EventLog), 1) }},
		{name: "round trip with unzip", files: map[string]string{"base/w/a": "A", "base/w/s/b": "B"},
			tasks: `<zip destfile="t.zip" basedir="w"/><unzip src="t.zip" dest="${rhq.deploy.dir}"/>`,
			want:  map[string]string{"deploy/a": "A", "deploy/s/b": "B"}},
	})
}

func zipBytes(t *testing.T, files map[string]string) string {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var zf []fileops.ZipFile
	for _, n := range names {
		content := files[n]
		if strings.HasSuffix(n, "/") {
			zf = append(zf, fileops.ZipFile{Name: strings.TrimSuffix(n, "/"), Dir: true})
			continue
		}
		zf = append(zf, fileops.ZipFile{Name: n, Open: func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(content)), nil }})
	}
	var buf bytes.Buffer
	require.NoError(t, fileops.WriteZip(&buf, zf))
	return buf.String()
}

func readZip(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		rc.Close()
		out[f.Name] = string(data)
	}
	return out
}

package destination

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func mustDir(t testing.TB, f Flavour, s string) Dir {
	t.Helper()
	d, err := ParseDir(f, s)
	require.NoError(t, err)
	return d
}

func TestParseDir(t *testing.T) {
	tests := []struct {
		name      string
		flavour   Flavour
		in        string
		native    string
		slash     string
		wantErr   error
		alsoWants error
	}{
		{name: "R1 POSIX absolute", flavour: FlavourPOSIX, in: "/opt/app", native: "/opt/app", slash: "/opt/app"},
		{name: "R42 POSIX trailing slash and dots removed", flavour: FlavourPOSIX, in: "/opt/./jboss/../app/", native: "/opt/app", slash: "/opt/app"},
		{name: "R42 POSIX doubled slashes", flavour: FlavourPOSIX, in: "//opt//app", native: "/opt/app", slash: "/opt/app"},
		{name: "POSIX backslash is a name character", flavour: FlavourPOSIX, in: `/opt/my\app`, native: `/opt/my\app`, slash: `/opt/my\app`},
		{name: "R1 POSIX relative", flavour: FlavourPOSIX, in: "opt/app", wantErr: ErrNotAbsolute},
		{name: "POSIX Windows-looking path is relative", flavour: FlavourPOSIX, in: `C:\app`, wantErr: ErrNotAbsolute},
		{name: "POSIX root is no deploy dir", flavour: FlavourPOSIX, in: "/", wantErr: ErrNoDeployDir},
		{name: "POSIX root after dots", flavour: FlavourPOSIX, in: "/opt/..", wantErr: ErrNoDeployDir},
		{name: "R41 POSIX above root", flavour: FlavourPOSIX, in: "/../opt", wantErr: ErrAboveRoot},
		{name: "empty", flavour: FlavourPOSIX, in: "", wantErr: ErrInvalidPath},
		{name: "NUL", flavour: FlavourPOSIX, in: "/opt/a\x00b", wantErr: ErrInvalidPath},
		{name: "R43 Windows drive upper-cased", flavour: FlavourWindows, in: `c:\jboss\`, native: `C:\jboss`, slash: "C:/jboss"},
		{name: "R187 Windows forward slashes", flavour: FlavourWindows, in: "C:/jboss/server", native: `C:\jboss\server`, slash: "C:/jboss/server"},
		{name: "R42 Windows dots", flavour: FlavourWindows, in: `C:\jboss\..\eap\.\server`, native: `C:\eap\server`, slash: "C:/eap/server"},
		{name: "Windows UNC", flavour: FlavourWindows, in: `\\fileserver\apps\myapp`, native: `\\fileserver\apps\myapp`, slash: "//fileserver/apps/myapp"},
		{name: "Windows drive root", flavour: FlavourWindows, in: `C:\`, wantErr: ErrNoDeployDir},
		{name: "Windows UNC share root", flavour: FlavourWindows, in: `\\fileserver\apps\`, wantErr: ErrNoDeployDir},
		{name: "Windows drive alone", flavour: FlavourWindows, in: "C:", wantErr: ErrNotAbsolute},
		{name: "Windows drive-relative", flavour: FlavourWindows, in: `C:jboss`, wantErr: ErrNotAbsolute},
		{name: "Windows rooted without drive", flavour: FlavourWindows, in: `\jboss`, wantErr: ErrNotAbsolute, alsoWants: ErrNoDrive},
		{name: "Windows POSIX path", flavour: FlavourWindows, in: "/opt/app", wantErr: ErrNotAbsolute, alsoWants: ErrNoDrive},
		{name: "Windows relative", flavour: FlavourWindows, in: `jboss\server`, wantErr: ErrNotAbsolute},
		{name: "R41 Windows above root", flavour: FlavourWindows, in: `C:\..\x`, wantErr: ErrAboveRoot},
		{name: "Windows UNC without share", flavour: FlavourWindows, in: `\\fileserver`, wantErr: ErrInvalidPath},
		{name: "Windows verbatim path", flavour: FlavourWindows, in: `\\?\C:\jboss`, wantErr: ErrInvalidPath},
		{name: "Windows device path", flavour: FlavourWindows, in: `\\.\PhysicalDrive0\x`, wantErr: ErrInvalidPath},
		{name: "Windows reserved character", flavour: FlavourWindows, in: `C:\jb|oss`, wantErr: ErrInvalidPath},
		{name: "unknown flavour", flavour: 0, in: "/opt/app", wantErr: ErrInvalidPlatform},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDir(tt.flavour, tt.in)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				if tt.alsoWants != nil {
					require.ErrorIs(t, err, tt.alsoWants)
				}
				var pe *PathError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, tt.in, pe.Path)
				require.True(t, d.IsZero())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.native, d.String())
			require.Equal(t, tt.slash, d.Slash())
			require.Equal(t, tt.flavour, d.Flavour())
		})
	}
}

const (
	fileDest = false
	dirDest  = true
)

func TestNormalize(t *testing.T) {
	const (
		posixD = "/opt/app"
		winD   = `C:\app`
		uncD   = `\\srv\share\app`
	)
	tests := []struct {
		name    string
		flavour Flavour
		dir     string
		dest    string
		isDir   bool
		want    Path
		wantErr error
	}{
		// R38: ".." inside D becomes relative, out of D becomes external.
		{name: "R38 dotdot stays inside", flavour: FlavourPOSIX, dir: posixD, dest: "dir-does-not-existA/../rawA.txt", want: Path{Rel: "rawA.txt"}},
		{name: "R38 dotdot climbs out", flavour: FlavourPOSIX, dir: posixD, dest: "dir-does-not-existA/../../rawA.txt", want: Path{Abs: "/opt/rawA.txt"}},
		{name: "R38 climbs out and back in", flavour: FlavourPOSIX, dir: posixD, dest: "../app/conf/x", want: Path{Rel: "conf/x"}},
		{name: "R38 climbs out to a sibling with D as prefix", flavour: FlavourPOSIX, dir: posixD, dest: "../application/x", want: Path{Abs: "/opt/application/x"}},
		{name: "R38 dir climbs out", flavour: FlavourPOSIX, dir: posixD, dest: "../lib", isDir: dirDest, want: Path{Abs: "/opt/lib"}},
		{name: "R38 climbs to the root", flavour: FlavourPOSIX, dir: posixD, dest: "../../etc/x", want: Path{Abs: "/etc/x"}},
		// R40 (GO): every relative path is cleaned, absolute inside D made relative.
		{name: "R40 dot slash", flavour: FlavourPOSIX, dir: posixD, dest: "./x", want: Path{Rel: "x"}},
		{name: "R40 double slash", flavour: FlavourPOSIX, dir: posixD, dest: "a//b", want: Path{Rel: "a/b"}},
		{name: "R40 dots and trailing slash", flavour: FlavourPOSIX, dir: posixD, dest: "a/./b/", want: Path{Rel: "a/b"}},
		{name: "R40 absolute inside D", flavour: FlavourPOSIX, dir: posixD, dest: "/opt/app/conf/x", want: Path{Rel: "conf/x"}},
		{name: "R40 absolute inside D uncleaned", flavour: FlavourPOSIX, dir: posixD, dest: "//opt/./app//conf/x", want: Path{Rel: "conf/x"}},
		{name: "R8 absolute outside D", flavour: FlavourPOSIX, dir: posixD, dest: "/etc/app.conf", want: Path{Abs: "/etc/app.conf"}},
		{name: "R8 absolute outside D cleaned", flavour: FlavourPOSIX, dir: posixD, dest: "/etc/../var//x", want: Path{Abs: "/var/x"}},
		{name: "R8 absolute sibling with D as prefix", flavour: FlavourPOSIX, dir: posixD, dest: "/opt/application/x", want: Path{Abs: "/opt/application/x"}},
		{name: "R179 POSIX inside test is case-sensitive", flavour: FlavourPOSIX, dir: posixD, dest: "/opt/APP/x", want: Path{Abs: "/opt/APP/x"}},
		// R41 (GO): climbing above the root is an error.
		{name: "R41 relative above root", flavour: FlavourPOSIX, dir: posixD, dest: "../../../x", wantErr: ErrAboveRoot},
		{name: "R41 long dotdot chain", flavour: FlavourPOSIX, dir: posixD, dest: "a/b/../../../../../../../etc/passwd", wantErr: ErrAboveRoot},
		{name: "R41 absolute above root", flavour: FlavourPOSIX, dir: posixD, dest: "/../etc/x", wantErr: ErrAboveRoot},
		// D itself.
		{name: "file dot is D", flavour: FlavourPOSIX, dir: posixD, dest: ".", wantErr: ErrIsDeployDir},
		{name: "file x/.. is D", flavour: FlavourPOSIX, dir: posixD, dest: "x/..", wantErr: ErrIsDeployDir},
		{name: "file absolute D", flavour: FlavourPOSIX, dir: posixD, dest: "/opt/app/", wantErr: ErrIsDeployDir},
		{name: "file climbs back to D", flavour: FlavourPOSIX, dir: posixD, dest: "../app", wantErr: ErrIsDeployDir},
		{name: "dir dot is D", flavour: FlavourPOSIX, dir: posixD, dest: ".", isDir: dirDest, want: Path{Rel: "."}},
		{name: "dir x/.. is D", flavour: FlavourPOSIX, dir: posixD, dest: "x/..", isDir: dirDest, want: Path{Rel: "."}},
		{name: "file is the root", flavour: FlavourPOSIX, dir: posixD, dest: "/", wantErr: ErrInvalidPath},
		{name: "dir is the root", flavour: FlavourPOSIX, dir: posixD, dest: "/", isDir: dirDest, want: Path{Abs: "/"}},
		// Hostile or odd input.
		{name: "empty", flavour: FlavourPOSIX, dir: posixD, dest: "", wantErr: ErrInvalidPath},
		{name: "empty dir", flavour: FlavourPOSIX, dir: posixD, dest: "", isDir: dirDest, wantErr: ErrInvalidPath},
		{name: "NUL byte", flavour: FlavourPOSIX, dir: posixD, dest: "conf/a\x00.txt", wantErr: ErrInvalidPath},
		{name: "POSIX backslash is a name character", flavour: FlavourPOSIX, dir: posixD, dest: `dir\file.txt`, want: Path{Rel: `dir\file.txt`}},
		{name: "POSIX backslash dotdot is a name", flavour: FlavourPOSIX, dir: posixD, dest: `..\..\x`, want: Path{Rel: `..\..\x`}},
		{name: "POSIX drive-looking name", flavour: FlavourPOSIX, dir: posixD, dest: "C:", want: Path{Rel: "C:"}},
		{name: "POSIX UNC-looking name", flavour: FlavourPOSIX, dir: posixD, dest: `\\server\share`, want: Path{Rel: `\\server\share`}},
		{name: "POSIX three dots is a name", flavour: FlavourPOSIX, dir: posixD, dest: ".../x", want: Path{Rel: ".../x"}},

		// Windows, D on a drive.
		{name: "R187 backslashes become slashes", flavour: FlavourWindows, dir: winD, dest: `conf\x.txt`, want: Path{Rel: "conf/x.txt"}},
		{name: "R187 mixed separators", flavour: FlavourWindows, dir: winD, dest: `conf/sub\x.txt`, want: Path{Rel: "conf/sub/x.txt"}},
		{name: "R40 Windows dot backslash", flavour: FlavourWindows, dir: winD, dest: `.\x`, want: Path{Rel: "x"}},
		{name: "R40 Windows doubled backslash", flavour: FlavourWindows, dir: winD, dest: `a\\b`, want: Path{Rel: "a/b"}},
		{name: "R38 Windows dotdot inside", flavour: FlavourWindows, dir: winD, dest: `a\..\b`, want: Path{Rel: "b"}},
		{name: "R38 Windows dotdot out", flavour: FlavourWindows, dir: winD, dest: `..\x`, want: Path{Abs: "C:/x"}},
		{name: "R38 Windows out and back in other case", flavour: FlavourWindows, dir: winD, dest: `..\APP\Conf\x`, want: Path{Rel: "Conf/x"}},
		{name: "R40 Windows absolute inside D", flavour: FlavourWindows, dir: winD, dest: `C:\app\conf\x`, want: Path{Rel: "conf/x"}},
		{name: "R43 Windows absolute inside D lower-case drive", flavour: FlavourWindows, dir: winD, dest: `c:\app\conf\x`, want: Path{Rel: "conf/x"}},
		{name: "R40 Windows absolute inside D other case", flavour: FlavourWindows, dir: winD, dest: `C:\APP\Conf\x`, want: Path{Rel: "Conf/x"}},
		{name: "R40 Windows absolute inside D forward slashes", flavour: FlavourWindows, dir: winD, dest: "C:/app/conf/x", want: Path{Rel: "conf/x"}},
		{name: "R43 R187 Windows external on another drive", flavour: FlavourWindows, dir: winD, dest: `d:\data\x.txt`, want: Path{Abs: "D:/data/x.txt"}},
		{name: "R187 Windows external on D's drive", flavour: FlavourWindows, dir: winD, dest: `C:\Windows\app.ini`, want: Path{Abs: "C:/Windows/app.ini"}},
		{name: "R8 Windows sibling with D as prefix", flavour: FlavourWindows, dir: winD, dest: `C:\application\x`, want: Path{Abs: "C:/application/x"}},
		{name: "R43 drive-relative on D's drive", flavour: FlavourWindows, dir: winD, dest: `C:conf\x`, want: Path{Rel: "conf/x"}},
		{name: "R43 drive-relative lower-case on D's drive", flavour: FlavourWindows, dir: winD, dest: `c:x`, want: Path{Rel: "x"}},
		{name: "R43 drive-relative on another drive", flavour: FlavourWindows, dir: winD, dest: `D:foo`, wantErr: ErrDriveMismatch},
		{name: "R43 other drive alone", flavour: FlavourWindows, dir: winD, dest: `D:`, wantErr: ErrDriveMismatch},
		{name: "Windows C: alone file is D", flavour: FlavourWindows, dir: winD, dest: `C:`, wantErr: ErrIsDeployDir},
		{name: "Windows C: alone dir is D", flavour: FlavourWindows, dir: winD, dest: `C:`, isDir: dirDest, want: Path{Rel: "."}},
		{name: "Windows drive root as dir", flavour: FlavourWindows, dir: winD, dest: `D:\`, isDir: dirDest, want: Path{Abs: "D:/"}},
		{name: "Windows drive root as file", flavour: FlavourWindows, dir: winD, dest: `D:\`, wantErr: ErrInvalidPath},
		{name: "R41 Windows relative above root", flavour: FlavourWindows, dir: winD, dest: `..\..\x`, wantErr: ErrAboveRoot},
		{name: "R41 Windows absolute above root", flavour: FlavourWindows, dir: winD, dest: `C:\..\x`, wantErr: ErrAboveRoot},
		{name: "Windows rooted without drive", flavour: FlavourWindows, dir: winD, dest: `\etc\x`, wantErr: ErrNoDrive},
		{name: "Windows POSIX absolute path", flavour: FlavourWindows, dir: winD, dest: "/etc/x", wantErr: ErrNoDrive},
		{name: "Windows UNC external", flavour: FlavourWindows, dir: winD, dest: `\\server\share\x`, wantErr: ErrUNC},
		{name: "Windows UNC share root", flavour: FlavourWindows, dir: winD, dest: `\\server\share`, isDir: dirDest, wantErr: ErrUNC},
		{name: "Windows UNC without share", flavour: FlavourWindows, dir: winD, dest: `\\server`, wantErr: ErrInvalidPath},
		{name: "Windows UNC empty server", flavour: FlavourWindows, dir: winD, dest: `\\\share\x`, wantErr: ErrInvalidPath},
		{name: "Windows UNC bad server name", flavour: FlavourWindows, dir: winD, dest: `\\se|rver\share\x`, wantErr: ErrInvalidPath},
		{name: "Windows UNC dotdot share", flavour: FlavourWindows, dir: winD, dest: `\\server\..\x`, wantErr: ErrInvalidPath},
		{name: "Windows verbatim path", flavour: FlavourWindows, dir: winD, dest: `\\?\C:\app\x`, wantErr: ErrInvalidPath},
		{name: "Windows device path", flavour: FlavourWindows, dir: winD, dest: `\\.\COM1`, wantErr: ErrInvalidPath},
		{name: "Windows alternate data stream", flavour: FlavourWindows, dir: winD, dest: `x.txt:secret`, wantErr: ErrInvalidPath},
		{name: "R43 Windows one letter and a colon is a drive", flavour: FlavourWindows, dir: winD, dest: `a:b`, wantErr: ErrDriveMismatch},
		{name: "Windows colon in a name", flavour: FlavourWindows, dir: winD, dest: `ab:c\d`, wantErr: ErrInvalidPath},
		{name: "Windows reserved character", flavour: FlavourWindows, dir: winD, dest: `conf\a?.txt`, wantErr: ErrInvalidPath},
		{name: "Windows control character", flavour: FlavourWindows, dir: winD, dest: "conf\\a\x01.txt", wantErr: ErrInvalidPath},
		{name: "Windows trailing dot", flavour: FlavourWindows, dir: winD, dest: `conf.\x`, wantErr: ErrInvalidPath},
		{name: "Windows trailing space", flavour: FlavourWindows, dir: winD, dest: `conf \x`, wantErr: ErrInvalidPath},
		{name: "Windows three dots", flavour: FlavourWindows, dir: winD, dest: `...\x`, wantErr: ErrInvalidPath},
		{name: "Windows device name", flavour: FlavourWindows, dir: winD, dest: `logs\NUL`, wantErr: ErrInvalidPath},
		{name: "Windows device name with extension", flavour: FlavourWindows, dir: winD, dest: `con.txt`, wantErr: ErrInvalidPath},
		{name: "Windows device name COM1", flavour: FlavourWindows, dir: winD, dest: `com1`, wantErr: ErrInvalidPath},
		{name: "Windows device name superscript", flavour: FlavourWindows, dir: winD, dest: "LPT\u00b9.log", wantErr: ErrInvalidPath},
		{name: "Windows device name CONIN$", flavour: FlavourWindows, dir: winD, dest: `conin$`, wantErr: ErrInvalidPath},
		{name: "Windows name that merely starts like a device", flavour: FlavourWindows, dir: winD, dest: `console\com10.txt`, want: Path{Rel: "console/com10.txt"}},
		{name: "Windows bad name hidden by dotdot", flavour: FlavourWindows, dir: winD, dest: `ab:c\..\x`, wantErr: ErrInvalidPath},
		{name: "Windows NUL byte", flavour: FlavourWindows, dir: winD, dest: "a\x00b", wantErr: ErrInvalidPath},

		// Windows, D on a UNC share.
		{name: "UNC D relative", flavour: FlavourWindows, dir: uncD, dest: `conf\x`, want: Path{Rel: "conf/x"}},
		{name: "UNC D absolute inside other case", flavour: FlavourWindows, dir: uncD, dest: `\\SRV\Share\APP\x`, want: Path{Rel: "x"}},
		{name: "UNC D climbs out on the share", flavour: FlavourWindows, dir: uncD, dest: `..\x`, wantErr: ErrUNC},
		{name: "R41 UNC D climbs above the share", flavour: FlavourWindows, dir: uncD, dest: `..\..\x`, wantErr: ErrAboveRoot},
		{name: "UNC D external on a drive", flavour: FlavourWindows, dir: uncD, dest: `C:\x`, want: Path{Abs: "C:/x"}},
		{name: "R43 UNC D drive-relative", flavour: FlavourWindows, dir: uncD, dest: `C:x`, wantErr: ErrDriveMismatch},
		{name: "UNC D other share", flavour: FlavourWindows, dir: uncD, dest: `\\srv\other\app\x`, wantErr: ErrUNC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustDir(t, tt.flavour, tt.dir)
			normalize := d.NormalizeFile
			if tt.isDir {
				normalize = d.NormalizeDir
			}
			got, err := normalize(tt.dest)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				var pe *PathError
				require.ErrorAs(t, err, &pe)
				require.Equal(t, tt.dest, pe.Path)
				require.Equal(t, d.String(), pe.Dir)
				require.Equal(t, Path{}, got)
				return
			}
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Fatalf("normalize(%q) mismatch (-want +got):\n%s", tt.dest, diff)
			}
			again, err := normalize(got.String())
			require.NoError(t, err, "normalising the result again")
			require.Equal(t, got, again, "normalisation is idempotent")
		})
	}
}

// The zero Dir is no directory: it must not act as the root or the current
// directory.
func TestNormalizeZeroDir(t *testing.T) {
	var d Dir
	_, err := d.NormalizeFile("x")
	require.ErrorIs(t, err, ErrNotAbsolute)
	require.Empty(t, d.Native(Path{Rel: "x"}))
	require.Empty(t, d.Slash())
}

func TestPath(t *testing.T) {
	rel := Path{Rel: "conf/app.conf"}
	abs := Path{Abs: "C:/Windows/app.ini"}
	require.False(t, rel.External())
	require.True(t, abs.External())
	require.Equal(t, "conf/app.conf", rel.String())
	require.Equal(t, "C:/Windows/app.ini", abs.String())

	// R86: Path is the engine's map key; the two kinds never collide even when
	// a POSIX relative name looks like a Windows absolute one.
	keys := map[Path]int{{Rel: "C:/x"}: 1, {Abs: "C:/x"}: 2}
	require.Len(t, keys, 2)
}

func TestNative(t *testing.T) {
	tests := []struct {
		name    string
		flavour Flavour
		dir     string
		path    Path
		want    string
	}{
		{name: "POSIX relative", flavour: FlavourPOSIX, dir: "/opt/app", path: Path{Rel: "conf/x"}, want: "/opt/app/conf/x"},
		{name: "POSIX D itself", flavour: FlavourPOSIX, dir: "/opt/app", path: Path{Rel: "."}, want: "/opt/app"},
		{name: "POSIX external", flavour: FlavourPOSIX, dir: "/opt/app", path: Path{Abs: "/etc/x"}, want: "/etc/x"},
		{name: "POSIX keeps backslash", flavour: FlavourPOSIX, dir: "/opt/app", path: Path{Rel: `a\b`}, want: `/opt/app/a\b`},
		{name: "Windows relative", flavour: FlavourWindows, dir: `C:\app`, path: Path{Rel: "conf/x"}, want: `C:\app\conf\x`},
		{name: "Windows D itself", flavour: FlavourWindows, dir: `C:\app`, path: Path{Rel: "."}, want: `C:\app`},
		{name: "Windows external", flavour: FlavourWindows, dir: `C:\app`, path: Path{Abs: "D:/data/x"}, want: `D:\data\x`},
		{name: "Windows UNC D", flavour: FlavourWindows, dir: `\\srv\share\app`, path: Path{Rel: "x"}, want: `\\srv\share\app\x`},
		{name: "zero Path", flavour: FlavourPOSIX, dir: "/opt/app", path: Path{}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, mustDir(t, tt.flavour, tt.dir).Native(tt.path))
		})
	}
}

func TestNormalizeErrorMessage(t *testing.T) {
	d := mustDir(t, FlavourWindows, `C:\app`)
	_, err := d.NormalizeFile(`D:foo`)
	require.EqualError(t, err, `destination "D:foo" (deploy dir C:\app): drive letter differs from the deploy dir's: D: is not on C:`)
	require.True(t, errors.Is(err, ErrDriveMismatch))
}

// A Dir survives a JSON round trip in its native spelling, and the spelling
// alone tells the flavour.
func TestDirJSON(t *testing.T) {
	for _, d := range []Dir{
		mustDir(t, FlavourPOSIX, "/opt/app"),
		mustDir(t, FlavourPOSIX, `/opt/my\app`),
		mustDir(t, FlavourWindows, `c:\jboss\deploy`),
		mustDir(t, FlavourWindows, `\\nas\share\app`),
		{},
	} {
		type plan struct{ Dir Dir }
		data, err := json.Marshal(plan{d})
		require.NoError(t, err)
		var got plan
		require.NoError(t, json.Unmarshal(data, &got), "%s", data)
		require.Equal(t, d, got.Dir, "%s", data)
	}
	data, err := json.Marshal(struct{ Dir Dir }{mustDir(t, FlavourWindows, "C:/jboss")})
	require.NoError(t, err)
	require.JSONEq(t, `{"Dir":"C:\\jboss"}`, string(data))

	var d Dir
	err = json.Unmarshal([]byte(`"relative/dir"`), &d)
	require.ErrorIs(t, err, ErrNotAbsolute)
}

package token

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// recordingLookup remembers the keys it is asked for.
type recordingLookup struct {
	Map
	asked []string
}

func (r *recordingLookup) Lookup(key string) (string, bool) {
	r.asked = append(r.asked, key)
	return r.Map.Lookup(key)
}

// TestValuesPrecedence checks R148's order: system < properties < inputs <
// deployment, each key answered by the highest source that has it.
func TestValuesPrecedence(t *testing.T) {
	all := "everywhere"
	v := Values{
		System: Map{
			all: "system", "rhq.system.hostname": "sys-host", "rhq.system.only": "system",
			"rhq.deploy.dir": "system", "rhq.system.shadowed": "system",
		},
		Properties: map[string]string{
			all: "property", "rhq.system.shadowed": "property", "prop.only": "property",
			"in.shadowed": "property", "rhq.deploy.name": "property",
		},
		Inputs: map[string]string{
			all: "input", "in.shadowed": "input", "in.only": "input", "rhq.deploy.id": "input",
		},
		Deployment: &Deployment{ID: -7, Name: "web tier", Dir: `C:\apps\web`},
	}
	tests := []struct {
		rule, key, want string
		ok              bool
	}{
		{"R149", "rhq.system.only", "system", true},
		{"R148", "rhq.system.shadowed", "property", true},
		{"R148", "prop.only", "property", true},
		{"R148", "in.shadowed", "input", true},
		{"R148", "in.only", "input", true},
		{"R148", all, "input", true},
		{"R148", "rhq.deploy.dir", `C:\apps\web`, true},
		{"R151", "rhq.deploy.id", "-7", true},
		{"R151", "rhq.deploy.name", "web tier", true},
		{"R143", "IN.ONLY", "", false},
		{"R143", "missing", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.key, func(t *testing.T) {
			got, ok := v.Lookup(tt.key)
			require.Equal(t, tt.ok, ok)
			require.Equal(t, tt.want, got)
			got, ok = v.lookupBytes([]byte(tt.key))
			require.Equal(t, tt.ok, ok, "lookupBytes")
			require.Equal(t, tt.want, got, "lookupBytes")
		})
	}
}

func TestValuesSystemAskedOnlyForSystemKeys(t *testing.T) {
	sys := &recordingLookup{Map: Map{"other": "no", "rhq.system.x": "yes"}}
	v := Values{System: sys}
	_, ok := v.Lookup("other")
	require.False(t, ok)
	got, ok := v.Lookup("rhq.system.x")
	require.True(t, ok)
	require.Equal(t, "yes", got)
	_, ok = v.Lookup("rhq.system")
	require.False(t, ok)
	require.Equal(t, []string{"rhq.system.x"}, sys.asked)
}

func TestValuesZero(t *testing.T) {
	for _, key := range []string{"rhq.deploy.dir", "rhq.deploy.id", "rhq.system.hostname", "a"} {
		_, ok := Values{}.Lookup(key)
		require.False(t, ok, key)
	}
	const in = "@@rhq.deploy.dir@@/@@rhq.system.hostname@@"
	require.Equal(t, in, realizeString(t, in, Values{}))
}

// TestValuesVerbatim checks the GO choice for R152: caller values reach
// tokens unchanged, backslashes included.
func TestValuesVerbatim(t *testing.T) {
	v := Values{
		Properties: map[string]string{"win.path": `C:\Program Files\app\`},
		Deployment: &Deployment{Dir: `D:\deploy\app`},
	}
	got := realizeString(t, "@@win.path@@ @@rhq.deploy.dir@@", v)
	require.Equal(t, `C:\Program Files\app\ D:\deploy\app`, got)
}

// TestValuesInReader realizes a file with a full Values, through the
// allocation-free lookup path and through a plain Lookup wrapper, which
// must agree.
func TestValuesInReader(t *testing.T) {
	v := Values{
		System:     Map{"rhq.system.hostname": "db1"},
		Properties: map[string]string{"port": "8080", "user": "caller"},
		Inputs:     map[string]string{"user": "input"},
		Deployment: &Deployment{ID: 3, Name: "d", Dir: "/opt/x"},
	}
	const in = "@@ rhq.system.hostname @@:@@port@@ @@user@@ @@rhq.deploy.id@@ @@rhq.deploy.dir@@/bin @@unset@@"
	const want = "db1:8080 input 3 /opt/x/bin @@unset@@"
	require.Equal(t, want, realizeString(t, in, v))
	require.Equal(t, want, realizeString(t, in, plainLookup{v}))
}

// plainLookup hides the package's fast path.
type plainLookup struct{ v Lookup }

func (p plainLookup) Lookup(key string) (string, bool) { return p.v.Lookup(key) }

func TestValuesLookupAllocs(t *testing.T) {
	v := Values{
		System:     Map{},
		Properties: map[string]string{"p": "1"},
		Inputs:     map[string]string{"i": "2"},
		Deployment: &Deployment{Dir: "/d"},
	}
	for _, key := range []string{"p", "i", "rhq.deploy.dir", "unknown.key.of.some.length"} {
		b := []byte(key)
		allocs := testing.AllocsPerRun(100, func() { v.lookupBytes(b) })
		require.Zero(t, allocs, key)
	}
}

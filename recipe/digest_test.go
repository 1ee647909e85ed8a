package recipe_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

const (
	digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	// bkHead binds bk to bundlekit's namespace next to rhq; bkUnit's body
	// starts on line 4.
	bkHead = "<project name=\"p\" default=\"main\" xmlns:rhq=\"antlib:org.rhq.bundle\" xmlns:bk=\"urn:bundlekit:1\">\n" +
		"<rhq:bundle name=\"b\" version=\"1\">\n<rhq:deployment-unit name=\"u\">\n"
	bkTail = "\n</rhq:deployment-unit>\n</rhq:bundle>\n<target name=\"main\"/>\n</project>\n"
)

func bkUnit(body string) string { return bkHead + body + bkTail }

// TestDigestAttribute: rhq:url-file and rhq:url-archive take bk:sha256, in
// bundlekit's own namespace (so RHQ, which ignores attributes of namespaces
// it does not know, still reads the recipe), whatever prefix binds it.
func TestDigestAttribute(t *testing.T) {
	tests := []struct {
		name  string
		xml   string
		check func(*testing.T, *recipe.DeploymentUnit)
	}{
		{"url-file", bkUnit(`<rhq:url-file url="https://example.com/a.conf" bk:sha256="` + digest + `"/>`),
			func(t *testing.T, u *recipe.DeploymentUnit) { require.Equal(t, digest, u.Files[0].SHA256) }},
		{"url-archive, upper case", bkUnit(`<rhq:url-archive url="https://example.com/a.zip" bk:sha256="` + strings.ToUpper(digest) + `"/>`),
			func(t *testing.T, u *recipe.DeploymentUnit) {
				require.Equal(t, digest, u.Archives[0].SHA256, "kept in lower case")
			}},
		{"any prefix", strings.ReplaceAll(bkUnit(`<rhq:url-file url="https://example.com/a.conf" kit:sha256="`+digest+`"/>`), "xmlns:bk", "xmlns:kit"),
			func(t *testing.T, u *recipe.DeploymentUnit) { require.Equal(t, digest, u.Files[0].SHA256) }},
		{"none", bkUnit(`<rhq:url-file url="https://example.com/a.conf"/>`),
			func(t *testing.T, u *recipe.DeploymentUnit) { require.Empty(t, u.Files[0].SHA256) }},
		{"a property, checked on Expand", bkUnit(`<rhq:url-file url="https://example.com/a.conf" bk:sha256="${a.sha}"/>`),
			func(t *testing.T, u *recipe.DeploymentUnit) { require.Equal(t, "${a.sha}", u.Files[0].SHA256) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := recipe.Parse(strings.NewReader(tt.xml))
			require.NoError(t, err)
			tt.check(t, r.Bundle.Unit)
		})
	}
}

func TestDigestAttributeErrors(t *testing.T) {
	tests := []struct {
		name string
		xml  string
		line int
		kind error
		text string
	}{
		{"too short", bkUnit(`<rhq:url-file url="https://example.com/a" bk:sha256="abc"/>`), 4,
			recipe.ErrInvalid, `bk:sha256="abc" is not a SHA-256 digest: it must be 64 hex digits`},
		{"empty", bkUnit(`<rhq:url-archive url="https://example.com/a.zip" bk:sha256=""/>`), 4,
			recipe.ErrInvalid, `it must be 64 hex digits`},
		{"not hex", bkUnit(`<rhq:url-file url="https://example.com/a" bk:sha256="` + strings.Repeat("z", 64) + `"/>`), 4,
			recipe.ErrInvalid, `it must be 64 hex digits`},
		{"on a bundle file", bkUnit(`<rhq:file name="a.conf" bk:sha256="` + digest + `"/>`), 4,
			recipe.ErrInvalid, `bk:sha256 applies to rhq:url-file and rhq:url-archive only`},
		{"on a bundle archive", bkUnit(`<rhq:archive name="a.zip" bk:sha256="` + digest + `"/>`), 4,
			recipe.ErrInvalid, `--bundle-sha256`},
		{"misspelt", bkUnit(`<rhq:url-file url="https://example.com/a" bk:sha265="` + digest + `"/>`), 4,
			recipe.ErrUnknown, `unknown bundlekit attribute "bk:sha265" (did you mean "bk:sha256"?)`},
		{"unknown", bkUnit(`<rhq:url-file url="https://example.com/a" bk:md5="x"/>`), 4,
			recipe.ErrUnknown, `unknown bundlekit attribute "bk:md5"`},
		{"on another element", strings.Replace(bkUnit(`<rhq:file name="a"/>`), `<rhq:bundle `, `<rhq:bundle bk:strict="true" `, 1), 2,
			recipe.ErrUnknown, `unknown bundlekit attribute "bk:strict"`},
		{"prefix bound elsewhere", strings.Replace(bkUnit(`<rhq:url-file url="https://example.com/a" bk:sha256="`+digest+`"/>`), "urn:bundlekit:1", "urn:other", 1), 4,
			recipe.ErrUnknown, `unknown attribute "bk:sha256"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := recipe.Parse(strings.NewReader(tt.xml))
			got := recipe.Errors(err)
			require.Len(t, got, 1, "errors: %v", err)
			require.Equal(t, tt.line, got[0].Pos.Line, "line of %v", got[0])
			require.ErrorIs(t, got[0], tt.kind)
			require.Contains(t, got[0].Error(), tt.text)
		})
	}
}

// TestDigestAttributeExpand: a digest given as a property is checked once the
// property has its value.
func TestDigestAttributeExpand(t *testing.T) {
	r, err := recipe.Parse(strings.NewReader(bkUnit(`<rhq:url-file url="https://example.com/a.conf" bk:sha256="${a.sha}"/>`)))
	require.NoError(t, err)
	x, err := r.Expand(recipe.Env{Properties: map[string]string{"a.sha": strings.ToUpper(digest)}})
	require.NoError(t, err)
	require.Equal(t, digest, x.Bundle.Unit.Files[0].SHA256)
	_, err = r.Expand(recipe.Env{Properties: map[string]string{"a.sha": "nope"}})
	require.ErrorIs(t, err, recipe.ErrInvalid)
	require.ErrorContains(t, err, `bk:sha256="nope" is not a SHA-256 digest`)
}

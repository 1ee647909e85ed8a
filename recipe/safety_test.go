package recipe_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bundlekit/bundlekit/recipe"
)

// TestXMLSafety: hostile documents are refused with a positioned error instead of
// exhausting memory or the stack.
func TestXMLSafety(t *testing.T) {
	deep := "<project>" + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + "</project>"
	huge := `<project name="` + strings.Repeat("x", recipe.DefaultMaxSize) + `"/>`
	laughs := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<project name="&lol3;"/>`
	external := `<?xml version="1.0"?>
<!DOCTYPE project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<project name="&xxe;"/>`
	tests := []struct {
		name string
		xml  string
		opts []recipe.Option
		text string
	}{
		{"deep nesting", deep, nil, "nested deeper than 64 levels"},
		{"deep nesting, lower limit", "<project><a><b/></a></project>", []recipe.Option{recipe.WithMaxDepth(2)}, "nested deeper than 2 levels"},
		{"huge attribute", huge, nil, "larger than the 4194304-byte limit"},
		{"size limit option", unit(""), []recipe.Option{recipe.WithMaxSize(10)}, "larger than the 10-byte limit"},
		{"entity expansion", laughs, nil, "invalid character entity &lol3;"},
		{"external entity", external, nil, "invalid character entity &xxe;"},
		{"unsupported encoding", `<?xml version="1.0" encoding="EBCDIC"?><project/>`, nil, `unsupported encoding "EBCDIC"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := recipe.Parse(strings.NewReader(tt.xml), tt.opts...)
			require.ErrorIs(t, err, recipe.ErrSyntax)
			require.ErrorContains(t, err, tt.text)
			errs := recipe.Errors(err)
			require.Len(t, errs, 1)
			require.Equal(t, "deploy.xml", errs[0].Pos.File)
		})
	}
}

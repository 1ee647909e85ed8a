package xmldoc

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/require"
)

var lim = Limits{MaxSize: 1 << 20, MaxDepth: 8}

// positions lists every element of d in document order with its position, as
// "tag@line:col".
func positions(d *Document) []string {
	var out []string
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		p := d.Pos(e)
		out = append(out, e.FullTag()+"@"+strconv.Itoa(p.Line)+":"+strconv.Itoa(p.Col))
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(d.Root)
	return out
}

func TestReadPositions(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"one element", `<a/>`, []string{"a@1:1"}},
		{"declaration, comment and doctype before the root",
			"<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE a>\n  <a/>", []string{"a@4:3"}},
		{"nested, on several lines", "<a>\n  <b><c/></b>\n\t<d>text</d>\n</a>", []string{"a@1:1", "b@2:3", "c@2:6", "d@3:2"}},
		{"prefixes as written", `<p:a xmlns:p="urn:p"><p:b/><c xmlns="urn:c"/></p:a>`, []string{"p:a@1:1", "p:b@1:22", "c@1:28"}},
		{"columns count bytes", "<a x=\"é\"><b/></a>", []string{"a@1:1", "b@1:11"}},
		{"CDATA, comments and processing instructions between elements",
			"<a><![CDATA[<x/>]]><!--<y/>--><?pi <z/>?><b/></a>", []string{"a@1:1", "b@1:42"}},
		{"xml: needs no declaration", `<a xml:lang="en"><b xmlns:p="urn:p" p:x="1"><p:c/></b></a>`, []string{"a@1:1", "b@1:18", "p:c@1:45"}},
		{"text before and after the root that is white space", " \n<a/>\n ", []string{"a@2:1"}},
		{"CRLF line ends", "<a>\r\n<b/>\r\n</a>", []string{"a@1:1", "b@2:1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Read(strings.NewReader(tt.in), lim)
			require.NoError(t, err)
			require.Equal(t, tt.want, positions(d))
		})
	}
}

func TestReadRefuses(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		lim       Limits
		line, col int
		reason    error
		msg       string
	}{
		{"empty", "", lim, 1, 1, ErrNoRoot, "no root element"},
		{"white space only", "\n\n  ", lim, 3, 3, ErrNoRoot, "no root element"},
		{"text only", "bundle-target", lim, 1, 14, ErrNoRoot, "no root element"},
		{"text before the root", "x\n<a/>", lim, 1, 1, ErrMalformed, "text outside the root element"},
		{"text after the root", "<a/>\n x", lim, 1, 5, ErrMalformed, "text outside the root element"},
		{"two roots", "<a/>\n<b/>", lim, 2, 1, ErrMalformed, "a second root element; a document has exactly one"},
		{"unclosed", "<a>\n  <b>\n</a>", lim, 3, 5, ErrMalformed, "element <b> closed by </a>"},
		{"not closed at all", "<a>\n", lim, 2, 1, ErrMalformed, "unexpected EOF"},
		{"unknown entity", "<a>&x;</a>", lim, 1, 7, ErrMalformed, "invalid character entity &x;"},
		{"entity declared in the DTD", "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", lim, 1, 37, ErrMalformed, "invalid character entity &x;"},
		{"unsupported encoding", `<?xml version="1.0" encoding="EBCDIC"?><a/>`, lim, 1, 40, ErrMalformed,
			`xml: opening charset "EBCDIC": unsupported encoding "EBCDIC" (use UTF-8 or ISO-8859-1)`},
		{"undeclared element prefix", "<a xmlns:p=\"urn:p\">\n <p:b/><q:c/></a>", lim, 2, 8, ErrMalformed, `the namespace prefix "q" of <q:c> is not declared`},
		{"undeclared attribute prefix", "<a>\n <b q:x=\"1\"/></a>", lim, 2, 2, ErrMalformed, `the namespace prefix "q" of attribute q:x is not declared`},
		{"prefix declared on a sibling only", `<a><b xmlns:p="urn:p"/><p:c/></a>`, lim, 1, 24, ErrMalformed, `the namespace prefix "p" of <p:c> is not declared`},
		{"too deep", "<a>\n<b><c/></b></a>", Limits{MaxSize: 100, MaxDepth: 2}, 2, 4, ErrTooDeep, "elements nested deeper than 2 levels"},
		{"too large", "<a></a>", Limits{MaxSize: 6, MaxDepth: 2}, 0, 0, ErrTooLarge, "the document is larger than the 6-byte limit"},
		{"zero limits", "<a/>", Limits{}, 0, 0, ErrTooLarge, "the document is larger than the 0-byte limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Read(strings.NewReader(tt.in), tt.lim)
			require.Nil(t, d)
			var xe *Error
			require.ErrorAs(t, err, &xe)
			require.Equal(t, Error{Line: tt.line, Col: tt.col, Reason: tt.reason, Msg: tt.msg}, *xe)
			require.ErrorIs(t, err, tt.reason)
		})
	}
}

func TestErrorString(t *testing.T) {
	require.Equal(t, "line 2, column 4: elements nested deeper than 2 levels",
		(&Error{Line: 2, Col: 4, Reason: ErrTooDeep, Msg: "elements nested deeper than 2 levels"}).Error())
	require.Equal(t, "the document is larger than the 6-byte limit",
		(&Error{Reason: ErrTooLarge, Msg: "the document is larger than the 6-byte limit"}).Error())
}

func TestReadLimitsAreInclusive(t *testing.T) {
	in := "<a><b/></a>"
	_, err := Read(strings.NewReader(in), Limits{MaxSize: int64(len(in)), MaxDepth: 2})
	require.NoError(t, err)
}

// ISO-8859-1 documents are decoded to UTF-8; positions count the decoded bytes.
func TestReadLatin1(t *testing.T) {
	in := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a name=\"caf\xe9\"><b/></a>"
	d, err := Read(strings.NewReader(in), lim)
	require.NoError(t, err)
	require.Equal(t, "café", d.Root.SelectAttrValue("name", ""))
	require.Equal(t, []string{"a@2:1", "b@2:17"}, positions(d))
}

func TestReadReaderError(t *testing.T) {
	_, err := Read(iotest.ErrReader(errors.New("disk on fire")), lim)
	require.ErrorContains(t, err, "disk on fire")
	var xe *Error
	require.False(t, errors.As(err, &xe), "a reader's failure is not a document's mistake")
}

// A Document built in memory answers Pos with the zero Pos.
func TestPosOfUnreadElement(t *testing.T) {
	d := &Document{Root: etree.NewElement("a")}
	require.Equal(t, Pos{}, d.Pos(d.Root))
}

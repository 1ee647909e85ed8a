// Package xmldoc is bundlekit's one XML reader: it reads a document into a
// beevik/etree tree and records where every element starts, so that callers
// can report mistakes as file:line:col. Package recipe reads deploy.xml,
// deployment.xml and Ant build files with it, package destination reads
// <bundle-target> descriptors.
//
// # Contract
//
// Read reads the whole document from its reader and returns a Document: the
// root element and, through Document.Pos, the position of the '<' of every
// element's start tag. Line and Col are 1-based and Col counts bytes, as
// encoding/xml counts them (in the UTF-8 text, for a document decoded from
// ISO-8859-1).
//
// A document is accepted only when
//
//   - it holds at most Limits.MaxSize bytes and nests elements at most
//     Limits.MaxDepth levels deep;
//   - encoding/xml decodes it strictly: well formed, end tags matching, no
//     entity other than XML's five predefined ones and character references;
//   - it has exactly one root element and no text outside it;
//   - every namespace prefix it uses is declared (xml: needs no declaration);
//   - it is UTF-8, or declares ISO-8859-1 or US-ASCII in its XML declaration.
//
// No DTD is interpreted, no entity is expanded and nothing outside the reader
// is ever read, so a hostile document costs at most MaxSize bytes of input and
// MaxDepth levels of stack.
//
// A refused document is an *Error with the line and column where reading
// stopped (0 for a document refused before it is decoded: too large) and one
// of the reasons ErrTooLarge, ErrTooDeep, ErrNoRoot and ErrMalformed, for
// errors.Is. An error of the reader itself is returned as it is, for the
// caller to wrap with the name of what it was reading.
//
// # Why two passes
//
// etree keeps no positions. Read therefore decodes the bytes twice: once with
// encoding/xml, which checks the document and notes the position of each
// start tag in document order, and once with etree, which builds the tree.
// Both passes read the same bytes with the same decoder rules, so the n-th
// start tag is the n-th element of the tree in document order; Read checks
// that the counts agree rather than trusting it.
package xmldoc

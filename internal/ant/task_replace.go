package ant

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/bundlekit/bundlekit/recipe"
)

// replaceTask is <replace>: literal token → value replacement in a file, in
// the files of dir= (an implicit fileset) and in nested filesets. The task's
// own token (attribute or <replacetoken>) is replaced first, then each
// <replacefilter> in order, each on the output of the one before, as in Ant.
// Replacement works on bytes, so any ASCII-compatible encoding is kept as it
// is; a file without any occurrence is not rewritten.
type replaceTask struct {
	file     string
	filesets []*fileset
	filters  []replaceFilter
	summary  bool
}

type replaceFilter struct{ token, value string }

func decodeReplace(d *decoder) runner {
	d.attrs(append([]string{"file", "dir", "token", "value", "summary"}, patternAttrs...)...)
	t := &replaceTask{file: d.str("file"), summary: d.boolean("summary", false)}
	token, hasToken := d.value("token")
	value, hasValue := d.value("value")
	children := d.children("replacetoken", "replacevalue", "replacefilter", "fileset", "include", "exclude", "patternset")
	var filterDecoders []*decoder
	for _, c := range children {
		switch c.name() {
		case "replacetoken":
			c.attrs()
			if hasToken {
				c.errorf(recipe.ErrConflict, "the token is given twice (token attribute or one <replacetoken>)")
			}
			token, hasToken = c.text(), true
		case "replacevalue":
			c.attrs()
			if hasValue {
				c.errorf(recipe.ErrConflict, "the value is given twice (value attribute or one <replacevalue>)")
			}
			value, hasValue = c.text(), true
		case "replacefilter":
			filterDecoders = append(filterDecoders, c)
		case "fileset":
			t.filesets = append(t.filesets, decodeFileset(c))
		}
	}
	if hasToken {
		if token == "" {
			d.errorf(recipe.ErrInvalid, "the token must not be empty")
		}
		t.filters = append(t.filters, replaceFilter{token: token, value: value})
	}
	for _, c := range filterDecoders {
		c.attrs("token", "value")
		f := replaceFilter{token: c.required("token"), value: value}
		if v, ok := c.value("value"); ok {
			f.value = v
		}
		t.filters = append(t.filters, f)
	}
	if len(t.filters) == 0 {
		d.errorf(recipe.ErrMissing, "give the token attribute, a <replacetoken> or a nested <replacefilter>")
	}
	if set := implicitFileset(d, "dir", children, d.has("dir")); set != nil {
		t.filesets = append(t.filesets, set)
	}
	if !d.has("file") && len(t.filesets) == 0 {
		d.errorf(recipe.ErrMissing, "give the file or dir attribute, or a nested <fileset>")
	}
	return t
}

func (t *replaceTask) run(ctx context.Context, c *call) error {
	occurrences, changed := 0, 0
	do := func(l loc) error {
		n, err := replaceIn(ctx, l, t.filters)
		occurrences += n
		if n > 0 {
			changed++
		}
		return err
	}
	if t.file != "" {
		abs := c.p.resolve(t.file)
		l, err := c.p.locate(abs, false)
		if err == nil {
			defer l.close()
			_, err = l.stat()
		}
		if notExist(err) {
			return fmt.Errorf("cannot find %s", abs)
		}
		if err != nil {
			return err
		}
		if err := do(l); err != nil {
			return err
		}
	}
	for _, set := range t.filesets {
		sc, err := c.scan(ctx, set)
		if err != nil {
			return err
		}
		defer sc.root.close()
		for _, rel := range sc.files {
			if err := do(sc.root.join(rel)); err != nil {
				return err
			}
		}
	}
	if t.summary {
		c.logf(LevelInfo, "Replaced %d occurrence%s in %d file%s.", occurrences, plural(occurrences), changed, plural(changed))
	}
	return nil
}

// errUnchanged aborts the rewrite of a file in which nothing was replaced.
var errUnchanged = errors.New("no occurrence")

// replaceIn streams the file through the filters into its replacement
// (fileops.Dir.WriteFile: atomic, permissions kept) and returns how many
// occurrences were replaced. When there were none the write is abandoned and
// the file is left as it was.
func replaceIn(ctx context.Context, l loc, filters []replaceFilter) (int, error) {
	f, err := l.dir.Open(l.name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s is not a regular file", l.abs)
	}
	var r io.Reader = f
	var chain []*replacer
	for _, flt := range filters {
		rp := &replacer{r: r, old: []byte(flt.token), new: []byte(flt.value)}
		chain = append(chain, rp)
		r = rp
	}
	count := func() int {
		n := 0
		for _, rp := range chain {
			n += rp.n
		}
		return n
	}
	_, err = l.dir.WriteFile(ctx, l.name, &abortUnchanged{r: r, count: count}, 0)
	if errors.Is(err, errUnchanged) {
		return 0, nil
	}
	return count(), err
}

// abortUnchanged fails at the end of the stream when nothing was replaced, so
// that WriteFile discards its temporary file.
type abortUnchanged struct {
	r     io.Reader
	count func() int
}

func (a *abortUnchanged) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err == io.EOF && a.count() == 0 {
		err = errUnchanged
	}
	return n, err
}

// replacer replaces every occurrence of old with new in a stream, left to
// right and without overlaps, holding back only the last len(old)-1 bytes of
// input, which may start an occurrence.
type replacer struct {
	r        io.Reader
	old, new []byte
	buf      []byte
	in, out  []byte
	eof      bool
	n        int
}

func (r *replacer) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		if r.buf == nil {
			r.buf = make([]byte, 32<<10)
		}
		m, err := r.r.Read(r.buf)
		r.in = append(r.in, r.buf[:m]...)
		switch {
		case err == io.EOF:
			r.eof = true
		case err != nil:
			return 0, err
		}
		r.process()
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

func (r *replacer) process() {
	for {
		i := bytes.Index(r.in, r.old)
		if i < 0 {
			break
		}
		r.out = append(r.out, r.in[:i]...)
		r.out = append(r.out, r.new...)
		r.in = r.in[i+len(r.old):]
		r.n++
	}
	keep := len(r.old) - 1
	if r.eof {
		keep = 0
	}
	if len(r.in) > keep {
		r.out = append(r.out, r.in[:len(r.in)-keep]...)
		r.in = r.in[len(r.in)-keep:]
	}
}

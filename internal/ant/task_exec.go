package ant

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/internal/command"
	"github.com/bundlekit/bundlekit/recipe"
)

// execTask is <exec>: a program with arguments, run by internal/command in
// dir (default: the basedir) with a deadline that kills its process tree.
type execTask struct {
	executable      string
	dir             string
	args            []execValue
	env             []execEnv
	failOnError     bool
	failIfExecFails bool
	newEnvironment  bool
	resolveExe      bool
	resultProp      string
	outputProp      string
	errorProp       string
	timeout         time.Duration
	osFamily        string
}

// execValue is an <arg> or the value of an <env>: a literal value, a command
// line to split (arg only), a file path or a path list, resolved against the
// basedir.
type execValue struct {
	kind string // "value", "line", "file" or "path"
	v    string
}

type execEnv struct {
	key string
	val execValue
}

func decodeExec(d *decoder) runner {
	d.attrs("executable", "dir", "failonerror", "failifexecutionfails", "newenvironment", "resolveexecutable",
		"searchpath", "resultproperty", "outputproperty", "errorproperty", "timeout", "osfamily")
	t := &execTask{
		executable:      d.required("executable"),
		dir:             d.str("dir"),
		failOnError:     d.boolean("failonerror", false),
		failIfExecFails: d.boolean("failifexecutionfails", true),
		newEnvironment:  d.boolean("newenvironment", false),
		resolveExe:      d.boolean("resolveexecutable", false),
		resultProp:      d.str("resultproperty"),
		outputProp:      d.str("outputproperty"),
		errorProp:       d.str("errorproperty"),
		timeout:         time.Duration(d.integer("timeout", 0)) * time.Millisecond,
		osFamily:        d.str("osfamily"),
	}
	// Bare program names are always looked up in PATH, as Java does whatever
	// searchpath says; the attribute is accepted for recipes that set it.
	d.boolean("searchpath", false)
	if d.has("timeout") && t.timeout == 0 && !d.deferred(d.str("timeout")) {
		d.errorf(recipe.ErrInvalid, "timeout=\"0\" would kill the program at once; leave timeout out for the default")
	}
	if f := t.osFamily; f != "" && !d.deferred(f) {
		if _, err := osFamily("linux", f); err != nil {
			d.errorf(recipe.ErrInvalid, "osfamily: %v", err)
		}
	}
	for _, c := range d.children("arg", "env") {
		switch c.name() {
		case "arg":
			c.attrs("value", "line", "file", "path")
			t.args = append(t.args, c.execValue(true))
		case "env":
			c.attrs("key", "value", "file", "path")
			t.env = append(t.env, execEnv{key: c.required("key"), val: c.execValue(false)})
		}
	}
	return t
}

// execValue reads the one value attribute of an <arg> or <env>.
func (d *decoder) execValue(line bool) execValue {
	kinds := []string{"value", "file", "path"}
	if line {
		kinds = append(kinds, "line")
	}
	var v execValue
	n := 0
	for _, k := range kinds {
		if s, ok := d.value(k); ok {
			v, n = execValue{kind: k, v: s}, n+1
		}
	}
	if n != 1 {
		d.errorf(recipe.ErrMissing, "give exactly one of the attributes %s", strings.Join(kinds, ", "))
	}
	if v.kind == "line" && !d.deferred(v.v) {
		if _, err := splitCommandLine(v.v); err != nil {
			d.errorf(recipe.ErrInvalid, "%v", err)
		}
	}
	return v
}

// resolve turns an execValue into its strings.
func (v execValue) resolve(p *Project) ([]string, error) {
	switch v.kind {
	case "line":
		return splitCommandLine(v.v)
	case "file":
		return []string{p.resolve(v.v)}, nil
	case "path":
		parts := strings.FieldsFunc(v.v, func(r rune) bool { return r == ':' || r == ';' })
		for i, part := range parts {
			parts[i] = p.resolve(part)
		}
		return []string{strings.Join(parts, string(os.PathListSeparator))}, nil
	}
	return []string{v.v}, nil
}

// splitCommandLine splits an <arg line> as Ant's translateCommandline does:
// at spaces, with '…' and "…" quoting (the quotes are removed).
func splitCommandLine(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var quote byte
	quoted := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0 && ch == quote:
			quote, quoted = 0, true
		case quote != 0:
			cur.WriteByte(ch)
		case ch == '\'' || ch == '"':
			quote = ch
		case ch == ' ':
			if quoted || cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
			quoted = false
		default:
			cur.WriteByte(ch)
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unbalanced quotes in %q", s)
	}
	if quoted || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out, nil
}

func (t *execTask) run(ctx context.Context, c *call) error {
	env := c.p.sh.env
	if t.osFamily != "" {
		ok, err := osFamily(env.OS, t.osFamily)
		if err != nil {
			return err
		}
		if !ok {
			c.logf(LevelVerbose, "skipped: osfamily %q does not match %s", t.osFamily, env.OS)
			return nil
		}
	}
	dir := c.p.basedir
	if t.dir != "" {
		dir = c.p.resolve(t.dir)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("the exec directory %s does not exist or is not a directory", dir)
	}
	args := []string{t.program(c.p, dir)}
	for _, a := range t.args {
		vals, err := a.resolve(c.p)
		if err != nil {
			return err
		}
		args = append(args, vals...)
	}
	var environ []string
	if !t.newEnvironment {
		environ = append(environ, c.p.environ()...)
	}
	for _, e := range t.env {
		vals, err := e.val.resolve(c.p)
		if err != nil {
			return err
		}
		environ = setEnv(environ, e.key, vals[0])
	}
	if environ == nil && t.newEnvironment {
		// An empty, not a nil, list: nil would mean this process's.
		environ = []string{}
	}

	timeout := t.timeout
	if timeout == 0 {
		timeout = env.ExecTimeout
	}
	outLines, errLines := &lineWriter{c: c, stream: "stdout"}, &lineWriter{c: c, stream: "stderr"}
	var stdout, stderr io.Writer = outLines, errLines
	var outCap, errCap *command.Tail
	if t.outputProp != "" {
		outCap = command.NewTail(env.OutputLimit)
		stdout = io.MultiWriter(outLines, outCap)
		if t.errorProp == "" {
			stderr = io.MultiWriter(errLines, outCap)
		}
	}
	if t.errorProp != "" {
		errCap = command.NewTail(env.OutputLimit)
		stderr = io.MultiWriter(errLines, errCap)
	}
	opts := command.Options{Env: environ, TailSize: env.OutputLimit, Stdout: stdout, Stderr: stderr}
	res, err := command.Exec(ctx, command.Spec{Args: args, Dir: dir, Timeout: timeout}, opts)
	outLines.flush()
	errLines.flush()
	switch {
	case err != nil && ctx.Err() != nil:
		return err
	case err != nil && t.failIfExecFails:
		return err
	case err != nil:
		c.logf(LevelWarning, "%v", err)
		return nil
	}
	// Only the program is reported: arguments may carry secrets.
	c.emit(Event{Type: EventExec, Message: args[0], Exec: &res})
	if t.resultProp != "" {
		c.p.props.define(t.resultProp, strconv.Itoa(res.ExitCode))
	}
	if outCap != nil {
		c.p.props.define(t.outputProp, trimLineEnd(outCap.String()))
	}
	if errCap != nil {
		c.p.props.define(t.errorProp, trimLineEnd(errCap.String()))
	}
	switch {
	case res.TimedOut && t.failOnError:
		return fmt.Errorf("%w: %s was killed, with the processes it started, after %v", ErrTimeout, args[0], timeout)
	case res.TimedOut:
		c.logf(LevelWarning, "Timeout: killed %s and the processes it started after %v", args[0], timeout)
	case !res.Success && t.failOnError:
		return fmt.Errorf("%w: %s returned %d", ErrExitCode, args[0], res.ExitCode)
	case !res.Success:
		c.logf(LevelWarning, "Result: %d", res.ExitCode)
	}
	return nil
}

// program resolves the executable. A bare name is left to the PATH lookup of
// os/exec. A relative path with a separator is relative to the working
// directory, as in a shell there; with resolveexecutable="true" the basedir is
// tried first, as in Ant.
func (t *execTask) program(p *Project, dir string) string {
	exe := t.executable
	if !strings.ContainsAny(exe, `/\`) {
		return exe
	}
	s := filepath.FromSlash(slashes(exe))
	if filepath.IsAbs(s) {
		return filepath.Clean(s)
	}
	if t.resolveExe {
		if cand := filepath.Join(p.basedir, s); fileExists(cand) {
			return cand
		}
	}
	return filepath.Join(dir, s)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// setEnv sets key in an environment list, replacing an existing entry (keys
// are compared without case on Windows, as Windows does).
func setEnv(env []string, key, value string) []string {
	out := env[:0:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k == key || runtime.GOOS == "windows" && strings.EqualFold(k, key) {
			continue
		}
		out = append(out, kv)
	}
	return append(out, key+"="+value)
}

// trimLineEnd removes one trailing line ending, so that outputproperty holds
// "1.2" for a program that printed "1.2\n".
func trimLineEnd(s string) string {
	s = strings.TrimSuffix(s, "\n")
	return strings.TrimSuffix(s, "\r")
}

// maxLine bounds the Message of one output event; a longer line is split.
const maxLine = 4 << 10

// lineWriter turns one output stream of an <exec> program into EventOutput
// events, one per line. It is written by one goroutine; flush sends what is
// left after the program ended.
type lineWriter struct {
	c      *call
	stream string
	buf    []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		switch {
		case i >= 0 && i <= maxLine:
			w.line(bytes.TrimSuffix(w.buf[:i], []byte("\r")))
			w.buf = w.buf[i+1:]
		case len(w.buf) > maxLine:
			w.line(w.buf[:maxLine])
			w.buf = w.buf[maxLine:]
		default:
			return len(p), nil
		}
	}
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.line(w.buf)
		w.buf = nil
	}
}

func (w *lineWriter) line(b []byte) {
	w.c.emit(Event{Type: EventOutput, Stream: w.stream, Message: string(b)})
}

package ant

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bundlekit/bundlekit/recipe"
)

// echoTask is <echo>: message and/or text; without file= it becomes an
// EventEcho at level, with file= it is written to the file (appended with
// append="true").
type echoTask struct {
	msg    string
	file   string
	append bool
	level  Level
}

func decodeEcho(d *decoder) runner {
	d.attrs("message", "file", "append", "level")
	return &echoTask{
		// Ant appends the text to the message attribute.
		msg:    d.str("message") + d.text(),
		file:   d.str("file"),
		append: d.boolean("append", false),
		level:  Level(d.choice("level", "info", "error", "warning", "info", "verbose", "debug")),
	}
}

func (e *echoTask) run(ctx context.Context, c *call) error {
	if e.file == "" {
		c.emit(Event{Type: EventEcho, Level: e.level, Message: e.msg})
		return nil
	}
	l, err := c.p.locate(c.p.resolve(e.file), true)
	if err != nil {
		return err
	}
	defer l.close()
	var src io.Reader = strings.NewReader(e.msg)
	if e.append {
		f, err := l.dir.Open(l.name)
		switch {
		case err == nil:
			defer f.Close()
			src = io.MultiReader(f, src)
		case !notExist(err):
			return err
		}
	}
	_, err = l.dir.WriteFile(ctx, l.name, src, 0)
	return err
}

// failTask is <fail>: it stops the build with message (or text), unless its
// if=/unless= properties or its nested <condition> say otherwise.
type failTask struct {
	msg        string
	ifProp     string
	unlessProp string
	cond       condition
}

func decodeFail(d *decoder) runner {
	d.attrs("message", "if", "unless")
	f := &failTask{msg: d.str("message") + d.text()}
	f.ifProp, _ = d.raw("if")
	f.unlessProp, _ = d.raw("unless")
	for i, c := range d.children("condition") {
		c.attrs()
		if i > 0 {
			c.errorf(recipe.ErrConflict, "<fail> takes one nested <condition>")
		}
		f.cond = decodeOneCondition(c)
	}
	if strings.TrimSpace(f.msg) == "" {
		f.msg = "No message"
	}
	return f
}

func (f *failTask) run(_ context.Context, c *call) error {
	if f.ifProp != "" && !c.p.test(f.ifProp) || f.unlessProp != "" && c.p.test(f.unlessProp) {
		return nil
	}
	if f.cond != nil {
		ok, err := f.cond.eval(c)
		if err != nil || !ok {
			return err
		}
	}
	return fmt.Errorf("%w: %s", ErrFail, f.msg)
}

// sleepTask is <sleep>: the sum of milliseconds, seconds, minutes and hours,
// at most Env.MaxSleep; cancelling the context ends it.
type sleepTask struct{ d time.Duration }

func decodeSleep(d *decoder) runner {
	d.attrs("milliseconds", "seconds", "minutes", "hours")
	var total time.Duration
	for _, u := range []struct {
		attr string
		unit time.Duration
	}{{"milliseconds", time.Millisecond}, {"seconds", time.Second}, {"minutes", time.Minute}, {"hours", time.Hour}} {
		n := d.integer(u.attr, 0)
		// Beyond a year the sum could overflow; no sleep limit is that long.
		if n > int64(365*24*time.Hour/u.unit) {
			d.errorf(recipe.ErrInvalid, "%s=%d is too long", u.attr, n)
			continue
		}
		total += time.Duration(n) * u.unit
	}
	return &sleepTask{d: total}
}

func (s *sleepTask) run(ctx context.Context, c *call) error {
	if max := c.p.sh.env.MaxSleep; s.d > max {
		return fmt.Errorf("a sleep of %v is longer than the limit of %v", s.d, max)
	}
	t := time.NewTimer(s.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// auditTask is <rhq:audit> (R178).
type auditTask struct {
	status                recipe.AuditStatus
	action, info, message string
	details               string
	hasAction, hasInfo    bool
}

// Defaults of rhq:audit (R178).
const (
	auditDefaultAction = "Audit Message"
	// auditTimeLayout is Java's Date.toString, which RHQ's default info uses.
	auditTimeLayout = "Mon Jan 02 15:04:05 MST 2006"
)

func decodeAudit(d *decoder) runner {
	d.attrs("status", "action", "info", "message")
	a := &auditTask{status: recipe.AuditSuccess, details: d.text(), message: d.str("message")}
	a.action, a.hasAction = d.value("action")
	a.info, a.hasInfo = d.value("info")
	if v, ok := d.value("status"); ok && !d.deferred(v) {
		switch s := recipe.AuditStatus(strings.ToUpper(v)); s {
		case recipe.AuditSuccess, recipe.AuditInfo, recipe.AuditWarn, recipe.AuditFailure:
			a.status = s
		default:
			d.ruleErrorf("R178", recipe.ErrInvalid, "the 'status' attribute must be either 'SUCCESS', 'INFO', 'WARN' or 'FAILURE': %s", v)
		}
	}
	return a
}

func (a *auditTask) run(_ context.Context, c *call) error {
	rec := Audit{Status: a.status, Action: a.action, Info: a.info, Message: a.message, Details: a.details}
	if !a.hasAction {
		rec.Action = auditDefaultAction
	}
	if !a.hasInfo {
		rec.Info = "Timestamp: " + c.p.sh.env.Now().Format(auditTimeLayout)
	}
	c.emit(Event{Type: EventAudit, Audit: &rec})
	return nil
}

package ant

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/recipe"
)

// runner is a decoded task, ready to run.
type runner interface {
	run(ctx context.Context, c *call) error
}

// taskFunc decodes a task's element. It reports mistakes through the decoder
// and returns what to run; the result is used only when there were none.
type taskFunc func(d *decoder) runner

// tasks are the supported tasks by key (see key).
var tasks = map[string]taskFunc{
	"ant":          decodeAnt,
	"available":    decodeAvailableTask,
	"chmod":        decodeChmod,
	"condition":    decodeConditionTask,
	"copy":         decodeCopy,
	"delete":       decodeDelete,
	"description":  decodeDescription,
	"echo":         decodeEcho,
	"exec":         decodeExec,
	"fail":         decodeFail,
	"mkdir":        decodeMkdir,
	"move":         decodeMove,
	"property":     decodeProperty,
	"replace":      decodeReplace,
	"sleep":        decodeSleep,
	"touch":        decodeTouch,
	"unzip":        decodeUnzip,
	"zip":          decodeZip,
	"rhq:audit":    decodeAudit,
	"rhq:property": decodeProperty,
}

// SupportedTasks lists the tasks the interpreter runs, sorted; RHQ tasks are
// prefixed "rhq:".
func SupportedTasks() []string { return slices.Sorted(maps.Keys(tasks)) }

// key names a task in the registry: its local name for plain Ant tasks,
// "rhq:"+name for the RHQ namespace, and "{uri}name" for any other namespace.
func key(t *recipe.Task) string {
	switch {
	case t.Space == "":
		return t.Name
	case t.IsRHQ():
		return "rhq:" + t.Name
	}
	return "{" + t.Space + "}" + t.Name
}

func lookupTask(t *recipe.Task) (taskFunc, bool) {
	f, ok := tasks[key(t)]
	return f, ok
}

// Why antcall and macrodef are refused (seed §2.3.2.3.1); package recipe says
// the same for deploy.xml, these messages cover build files called by <ant>.
const (
	antcallWhy  = "<antcall> cannot be used in a bundle recipe: it runs the rhq:bundle task again, which loops forever; put the targets in a separate file and call them with <ant antfile=\"other.xml\" target=\"…\">"
	macrodefWhy = "<macrodef> is not supported in bundle recipes: macro definitions cannot be used with Ant bundles"
)

func unsupportedTask(t *recipe.Task) *recipe.Error {
	var msg string
	switch key(t) {
	case "antcall":
		msg = antcallWhy
	case "macrodef":
		msg = macrodefWhy
	default:
		msg = fmt.Sprintf("unsupported task %s; the tasks bundlekit runs are: %s", describe(t), strings.Join(SupportedTasks(), ", "))
	}
	return &recipe.Error{Pos: t.Pos, Element: describe(t), Err: &reason{kind: recipe.ErrUnsupported, msg: msg}}
}

// description is Ant's <description> element, which documents a project and
// does nothing.
type description struct{}

func decodeDescription(d *decoder) runner {
	d.attrs()
	d.text()
	return description{}
}

func (description) run(context.Context, *call) error { return nil }

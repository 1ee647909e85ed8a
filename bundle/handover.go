package bundle

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/bundlekit/bundlekit/recipe"
	"github.com/bundlekit/bundlekit/token"
)

// Handover receives the items a recipe hands over (rhq:handover, R173) instead of
// deploying them: typically an application server that deploys the content
// itself. Items come in declaration order, after the files are deployed, never in
// a dry run.
type Handover interface {
	Handover(ctx context.Context, item HandoverItem) error
}

// HandoverFunc adapts a function to Handover.
type HandoverFunc func(ctx context.Context, item HandoverItem) error

// Handover calls f.
func (f HandoverFunc) Handover(ctx context.Context, item HandoverItem) error { return f(ctx, item) }

// HandoverItem is one handed-over file or archive. Content is realized when the
// recipe asks for it — in a copy, never in the bundle itself (GO of the R173
// quirk).
type HandoverItem struct {
	// Name is the file's base name.
	Name        string
	Action      string
	Params      []HandoverParam
	FailOnError bool
	// Revert is true when the deployment is a revert.
	Revert  bool
	Content io.Reader
}

// HandoverParam is an rhq:handover-param.
type HandoverParam struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// HandoverError is a handover that failed with failonerror="true"; the handovers
// before it have run.
type HandoverError struct {
	Item HandoverItem
	Err  error
}

func (e *HandoverError) Error() string {
	var params []string
	for _, p := range e.Item.Params {
		params = append(params, p.Name+"="+p.Value)
	}
	return fmt.Sprintf("Handover failed: Handover[action='%s', handoverParams={%s}, failOnError=true] for %s: %v",
		e.Item.Action, strings.Join(params, ", "), e.Item.Name, e.Err)
}

func (e *HandoverError) Unwrap() error { return e.Err }

// handoverItem is a handover prepared by Plan: its content staged (and realized).
type handoverItem struct {
	// name is the item as the bundle names it.
	name   string
	item   HandoverItem
	staged string
	pos    recipe.Pos
}

// planHandovers stages the content of every handover item (R173), realized when
// the recipe asks for it, and returns one entry per item, handed over in
// declaration order after the deployment commits. Without a receiver the items
// are skipped, as RHQ ignores them without a handover target.
func (p *Plan) planHandovers(cb *contentBuilder, unit *recipe.DeploymentUnit, revert bool) ([]*Entry, error) {
	items, err := prepareHandovers(cb, unit, revert)
	if err != nil {
		return nil, err
	}
	var out []*Entry
	for i := range items {
		e := &Entry{Path: items[i].name, Action: ActionSkip, Rule: "R173", outside: true}
		if p.handover != nil {
			e.Action = ActionHandover
			e.add(step{op: opHandover, phase: phaseHandover, seq: i, item: &items[i]})
		}
		out = append(out, e)
	}
	return out, nil
}

// prepareHandovers stages the content of every handover item in declaration
// order (R173).
func prepareHandovers(cb *contentBuilder, unit *recipe.DeploymentUnit, revert bool) ([]handoverItem, error) {
	var out []handoverItem
	for _, f := range unit.Files {
		if f.Handover == nil {
			continue
		}
		src := &source{kind: fromFile, file: bundlePath(f.Name), realize: f.Replace, origin: f.Pos}
		if f.URL != "" {
			src.file, src.staged = cb.staging.Path("handover-url", f.BaseName()), true
			if err := cb.fetch(cb.ctx, f.URL, src.file, f.SHA256); err != nil {
				return nil, fmt.Errorf("%s: <rhq:url-file url=%q>: %w", f.Pos, f.URL, err)
			}
		}
		staged := cb.staging.Path("handover", f.BaseName())
		rc, _, err := cb.open(src)
		if err != nil {
			return nil, err
		}
		var r io.Reader = rc
		if f.Replace {
			r = token.NewReader(rc, cb.values)
		}
		err = cb.staging.Save(r, staged)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: stage handover of %s: %w", f.Pos, f.BaseName(), err)
		}
		name := bundlePath(f.Name)
		if f.URL != "" {
			name = f.BaseName()
		}
		out = append(out, handoverItem{name: name, item: newItem(f.BaseName(), f.Handover, revert), staged: staged, pos: f.Pos})
	}
	for _, a := range unit.Archives {
		if a.Handover == nil {
			continue
		}
		name, local := bundlePath(a.Name), ""
		if a.URL != "" {
			local = cb.staging.Path("handover-url", a.BaseName())
			if err := cb.fetch(cb.ctx, a.URL, local, a.SHA256); err != nil {
				return nil, fmt.Errorf("%s: <rhq:url-archive url=%q>: %w", a.Pos, a.URL, err)
			}
			name = a.BaseName()
		}
		arc, err := cb.openArchive(name, local, a.Pos)
		if err != nil {
			return nil, err
		}
		replace, err := a.Replace.Matcher()
		if err != nil {
			arc.Close()
			return nil, err
		}
		staged := cb.staging.Path("handover", a.BaseName())
		_, _, _, err = cb.rebuild(arc, staged, replace)
		arc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: stage handover of %s: %w", a.Pos, a.BaseName(), err)
		}
		out = append(out, handoverItem{name: name, item: newItem(a.BaseName(), a.Handover, revert), staged: staged, pos: a.Pos})
	}
	slices.SortStableFunc(out, func(x, y handoverItem) int {
		if x.pos.Line != y.pos.Line {
			return x.pos.Line - y.pos.Line
		}
		return x.pos.Col - y.pos.Col
	})
	return out, nil
}

func newItem(name string, h *recipe.Handover, revert bool) HandoverItem {
	item := HandoverItem{Name: name, Action: h.Action, FailOnError: h.FailOnError, Revert: revert}
	for _, p := range h.Params {
		item.Params = append(item.Params, HandoverParam{Name: p.Name, Value: p.Value})
	}
	return item
}

// handOver hands one item to the receiver (R173): a failure with failonerror
// stops the deployment (the earlier handovers have run); without it the
// failure is a warning and the next item goes.
func handOver(ctx context.Context, target Handover, h *handoverItem, warn func(string)) error {
	f, err := os.Open(h.staged)
	if err != nil {
		return err
	}
	defer f.Close()
	item := h.item
	item.Content = f
	switch err := target.Handover(ctx, item); {
	case err != nil && item.FailOnError:
		return &HandoverError{Item: item, Err: err}
	case err != nil:
		warn(fmt.Sprintf("handover of %s (action %s) failed and failonerror is false: %v", item.Name, item.Action, err))
	}
	return nil
}

package token

import (
	"errors"
	"fmt"
	"maps"
	"strings"
)

// Input declares an input property of a recipe (R158): a value the deployer
// must be given, or may be given, when the bundle is deployed.
type Input struct {
	Name        string
	Description string
	// Type is the declared type; the zero Type means String, RHQ's default.
	Type     Type
	Required bool
	// Default is the value used when none is given, if HasDefault is set.
	Default    string
	HasDefault bool
}

func (in Input) typ() Type {
	if in.Type == "" {
		return TypeString
	}
	return in.Type
}

// Inputs are the input properties a recipe declares, in document order.
type Inputs []Input

// Mask is what Redact shows in place of a secret value.
const Mask = "********"

// Resolve returns the value of every input that has one (R159): its value in
// given if present there (even if empty), else its default. Inputs with
// neither are left out of the result, so their tokens stay as written.
//
// Every value is then checked against its input's type (Type.Validate). The
// error reports every problem at once: a *MissingError naming all the required
// inputs without a value, and one *InvalidError per illegal value, joined with
// errors.Join; use errors.As to reach them. When there is an error, the map is
// nil. No error ever contains the value of a password input.
func (ins Inputs) Resolve(given map[string]string) (map[string]string, error) {
	values := make(map[string]string, len(ins))
	var missing []Input
	var errs []error
	for _, in := range ins {
		v, ok := given[in.Name]
		if !ok && in.HasDefault {
			v, ok = in.Default, true
		}
		if !ok {
			if in.Required {
				missing = append(missing, Input{Name: in.Name, Description: in.Description, Type: in.typ(), Required: true})
			}
			continue
		}
		t := in.typ()
		if err := t.Validate(v); errors.Is(err, ErrUnknownType) {
			errs = append(errs, fmt.Errorf("input property '%s': %w", in.Name, err))
			continue
		} else if err != nil {
			e := &InvalidError{Name: in.Name, Type: t, Err: err}
			if !t.Secret() {
				e.Value = v
			}
			errs = append(errs, e)
			continue
		}
		values[in.Name] = v
	}
	if len(missing) > 0 {
		errs = append([]error{&MissingError{Inputs: missing}}, errs...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return values, nil
}

// Redact returns a copy of values in which the value of every input of a
// secret type (Type.Secret) is replaced by Mask. Use it on anything keyed by
// input names that is about to be shown: the given properties, the map Resolve
// returns, Values.Inputs.
func (ins Inputs) Redact(values map[string]string) map[string]string {
	out := maps.Clone(values)
	for _, in := range ins {
		if _, ok := out[in.Name]; ok && in.typ().Secret() {
			out[in.Name] = Mask
		}
	}
	return out
}

// MissingError reports the required inputs that have neither a value nor a
// default (R159).
type MissingError struct {
	// Inputs are the declarations of those inputs, in document order, with
	// Name, Description, Type and Required set.
	Inputs []Input
}

func (e *MissingError) Error() string {
	var b strings.Builder
	if len(e.Inputs) == 1 {
		fmt.Fprintf(&b, "no value was specified for required input property %s, and no default is defined for the property", describe(e.Inputs[0]))
		return b.String()
	}
	fmt.Fprintf(&b, "no value was specified for %d required input properties, and none has a default: ", len(e.Inputs))
	for i, in := range e.Inputs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(describe(in))
	}
	return b.String()
}

func describe(in Input) string {
	if in.Description == "" {
		return fmt.Sprintf("'%s' (%s)", in.Name, in.typ())
	}
	return fmt.Sprintf("'%s' (%s: %s)", in.Name, in.typ(), in.Description)
}

// InvalidError reports a value that is not legal for its input's type (R159).
type InvalidError struct {
	Name string
	Type Type
	// Value is the illegal value. It is never set for a secret type, and is
	// shown as Mask if it is.
	Value string
	// Err is the reason, from Type.Validate; it wraps ErrInvalidValue.
	Err error
}

func (e *InvalidError) Error() string {
	v := e.Value
	if e.Type.Secret() {
		v = Mask
	}
	return fmt.Sprintf("'%s' is not a legal value for input property '%s', which has type '%s'", v, e.Name, e.Type)
}

func (e *InvalidError) Unwrap() error { return e.Err }

package rollout

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSchemaFields checks descriptor.schema.json against the Go types: every
// JSON field of Descriptor, Defaults, Target and Dest is a property of the
// schema's object for it and the other way round, and every object of the
// schema refuses other properties.
func TestSchemaFields(t *testing.T) {
	var s map[string]any
	require.NoError(t, json.Unmarshal(Schema(), &s))
	defs := s["$defs"].(map[string]any)
	props := func(obj any) []string {
		var out []string
		for k := range obj.(map[string]any)["properties"].(map[string]any) {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	dest := defs["target"].(map[string]any)["properties"].(map[string]any)["dest"].(map[string]any)["oneOf"].([]any)[1]
	for _, c := range []struct {
		typ    reflect.Type
		schema any
	}{
		{reflect.TypeFor[Descriptor](), s},
		{reflect.TypeFor[Defaults](), s["properties"].(map[string]any)["defaults"]},
		{reflect.TypeFor[Target](), defs["target"]},
		{reflect.TypeFor[Dest](), dest},
		{reflect.TypeFor[Requires](), defs["requires"]},
	} {
		require.Equal(t, jsonFields(c.typ), props(c.schema), "the fields of %s", c.typ)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if v["type"] == "object" && v["properties"] != nil {
				require.Equal(t, false, v["additionalProperties"], "%s must set additionalProperties: false", path)
			}
			for k, x := range v {
				walk(path+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", path, i), x)
			}
		}
	}
	walk("#", s)
}

// jsonFields are the JSON names of a struct's fields, embedded structs'
// included.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case f.Anonymous && tag == "":
			out = append(out, jsonFields(f.Type)...)
		case name == "-" || !f.IsExported():
		case name == "":
			out = append(out, f.Name)
		default:
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// The example descriptors of the repository follow the schema.
func TestSchemaAcceptsValid(t *testing.T) {
	require.NoError(t, schemaAccepts(t, full))
	require.NoError(t, schemaAccepts(t, `{"bundle": "/b", "targets": [{"name": "a", "dest": "/srv/a"}]}`))
}

// schemaAccepts validates a document against descriptor.schema.json with
// the keywords the schema uses. It is a test's validator, not a general one:
// an unknown keyword fails the test, so the schema cannot quietly outgrow it.
func schemaAccepts(t *testing.T, doc string) error {
	t.Helper()
	var s, v any
	require.NoError(t, json.Unmarshal(Schema(), &s))
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return err
	}
	return (&schemaCheck{t: t, root: s.(map[string]any)}).check("#", s, v)
}

type schemaCheck struct {
	t    *testing.T
	root map[string]any
}

var annotations = []string{"$schema", "$id", "title", "description", "default", "$defs"}

func (c *schemaCheck) check(at string, schema, v any) error {
	s := schema.(map[string]any)
	for k := range s {
		switch k {
		case "$ref", "type", "enum", "properties", "required", "additionalProperties", "propertyNames", "items",
			"minItems", "uniqueItems", "minimum", "maximum", "minLength", "pattern", "oneOf":
		default:
			if !slices.Contains(annotations, k) {
				c.t.Fatalf("the test's validator does not know the keyword %q", k)
			}
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		require.True(c.t, ok, "ref %s", ref)
		if err := c.check(at, c.root["$defs"].(map[string]any)[name], v); err != nil {
			return err
		}
	}
	if typ, ok := s["type"]; ok {
		types, ok := typ.([]any)
		if !ok {
			types = []any{typ}
		}
		if !slices.ContainsFunc(types, func(x any) bool { return isType(x.(string), v) }) {
			return fmt.Errorf("%s: %v is not of type %v", at, v, typ)
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, enum)
	}
	if n, ok := v.(float64); ok {
		if lo, ok := s["minimum"].(float64); ok && n < lo {
			return fmt.Errorf("%s: %v < %v", at, n, lo)
		}
		if hi, ok := s["maximum"].(float64); ok && n > hi {
			return fmt.Errorf("%s: %v > %v", at, n, hi)
		}
	}
	if str, ok := v.(string); ok {
		if n, ok := s["minLength"].(float64); ok && float64(len([]rune(str))) < n {
			return fmt.Errorf("%s: %q is too short", at, str)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			return fmt.Errorf("%s: %q does not match %s", at, str, p)
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, alt := range one {
			if c.check(at, alt, v) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: %v matches %d of oneOf", at, v, n)
		}
	}
	if obj, ok := v.(map[string]any); ok {
		for _, r := range asSlice(s["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				return fmt.Errorf("%s: %s is required", at, r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, x := range obj {
			if pn, ok := s["propertyNames"]; ok {
				if err := c.check(at+"/"+k, pn, k); err != nil {
					return err
				}
			}
			p, known := props[k]
			switch add := s["additionalProperties"].(type) {
			case bool:
				if !known && !add {
					return fmt.Errorf("%s: unknown property %s", at, k)
				}
			case map[string]any:
				if !known {
					p = add
				}
			}
			if p != nil {
				if err := c.check(at+"/"+k, p, x); err != nil {
					return err
				}
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if n, ok := s["minItems"].(float64); ok && float64(len(arr)) < n {
			return fmt.Errorf("%s: fewer than %v items", at, n)
		}
		for i, x := range arr {
			if s["uniqueItems"] == true && slices.Contains(arr[:i], x) {
				return fmt.Errorf("%s: %v repeated", at, x)
			}
			if items, ok := s["items"]; ok {
				if err := c.check(fmt.Sprintf("%s/%d", at, i), items, x); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func isType(typ string, v any) bool {
	switch v := v.(type) {
	case nil:
		return typ == "null"
	case bool:
		return typ == "boolean"
	case float64:
		return typ == "number" || typ == "integer" && v == math.Trunc(v)
	case string:
		return typ == "string"
	case []any:
		return typ == "array"
	case map[string]any:
		return typ == "object"
	}
	return false
}

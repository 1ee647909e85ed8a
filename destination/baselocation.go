package destination

import (
	"fmt"
	"strings"
)

// ValueContext says where a base location's directory comes from. The values are
// RHQ's, spelled as in a plugin descriptor.
type ValueContext string

// The value contexts of RHQ's plugin descriptor schema.
const (
	// FileSystem: the value name is the directory itself ("/" for RHQ's
	// platforms).
	FileSystem ValueContext = "fileSystem"
	// PluginConfiguration: the directory is the value of the named property of
	// the target's plugin (connection) configuration.
	PluginConfiguration ValueContext = "pluginConfiguration"
	// ResourceConfiguration: the directory is the value of the named property of
	// the target's resource configuration.
	ResourceConfiguration ValueContext = "resourceConfiguration"
	// MeasurementTrait: the directory is the current value of the named trait.
	MeasurementTrait ValueContext = "measurementTrait"
)

var valueContexts = []ValueContext{FileSystem, PluginConfiguration, ResourceConfiguration, MeasurementTrait}

// Valid reports whether c is one of the four value contexts (case-sensitive, as
// in RHQ's schema).
func (c ValueContext) Valid() bool {
	switch c {
	case FileSystem, PluginConfiguration, ResourceConfiguration, MeasurementTrait:
		return true
	}
	return false
}

// describe names what holds the value in context c, for error messages.
func (c ValueContext) describe() string {
	switch c {
	case PluginConfiguration:
		return "plugin configuration property"
	case ResourceConfiguration:
		return "resource configuration property"
	case MeasurementTrait:
		return "measurement trait"
	}
	return string(c)
}

// BaseLocation is a root directory under which bundles may be deployed to a
// target, as its resource type declares it in a plugin descriptor's
// <bundle-target><destination-base-dir> element: the root is ValueName itself in
// the FileSystem context, else the value of the property or trait named
// ValueName in context ValueContext.
type BaseLocation struct {
	// Name identifies the base location; operators choose it by this name.
	Name string
	// Description tells the operator what the location is; may be empty.
	Description  string
	ValueContext ValueContext
	ValueName    string
}

// Validate reports whether b is complete: a name, a known value context and a
// value name.
func (b BaseLocation) Validate() error {
	if strings.TrimSpace(b.Name) == "" {
		return fmt.Errorf("base location: %w: name", ErrMissing)
	}
	if !b.ValueContext.Valid() {
		return fmt.Errorf("base location %q: %w %q (want one of %s)", b.Name, ErrUnknownValueContext, string(b.ValueContext), contextList())
	}
	if strings.TrimSpace(b.ValueName) == "" {
		return fmt.Errorf("base location %q: %w: value name", b.Name, ErrMissing)
	}
	return nil
}

func contextList() string {
	s := make([]string, len(valueContexts))
	for i, c := range valueContexts {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

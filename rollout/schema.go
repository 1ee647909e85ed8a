package rollout

import (
	_ "embed"
	"slices"
)

//go:embed descriptor.schema.json
var schema []byte

// Schema returns the JSON Schema of a descriptor (draft 2020-12), for
// editors: deployer rollout --schema prints it.
func Schema() []byte { return slices.Clone(schema) }

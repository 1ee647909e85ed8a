package token

import "strconv"

// Values is the set of token values of one deployment (R148). Each source
// overrides the ones before it:
//
//  1. System: the rhq.system.* tokens;
//  2. Properties: the caller's properties;
//  3. Inputs: the values of the recipe's declared input properties;
//  4. Deployment: rhq.deploy.id, rhq.deploy.name and rhq.deploy.dir.
//
// A key with no value in any source has none: its token is left as written
// (R143). The zero Values has no values. A Values holds secrets (the values of
// password inputs) and must never be printed or logged; show
// Inputs.Redact(v.Inputs) instead.
type Values struct {
	// System supplies the rhq.system.* tokens (R149) and is asked for no other
	// key. Nil means none; a deployment uses Host().
	System Lookup
	// Properties are the properties the caller supplies (the -D properties of
	// rhq-ant, or RHQ's deployment configuration). They are used verbatim:
	// unlike RHQ, backslashes are not doubled (R152).
	Properties map[string]string
	// Inputs are the resolved values of the recipe's input properties, as
	// returned by Inputs.Resolve (R159).
	Inputs map[string]string
	// Deployment supplies the implicit rhq.deploy.* tokens; nil means none.
	Deployment *Deployment
}

// Deployment describes the deployment that tokens are realized for. Its
// values cannot be overridden by any other source of Values.
type Deployment struct {
	ID   int    // rhq.deploy.id, in decimal
	Name string // rhq.deploy.name
	Dir  string // rhq.deploy.dir, the absolute deploy directory, verbatim
}

// The keys of the implicit deployment tokens, and the prefix of system tokens.
const (
	KeyDeployID   = "rhq.deploy.id"
	KeyDeployName = "rhq.deploy.name"
	KeyDeployDir  = "rhq.deploy.dir"
	SystemPrefix  = "rhq.system."
)

// Lookup returns the value of key from the highest-ranked source that has one.
func (v Values) Lookup(key string) (string, bool) { return lookupValues(v, key) }

func (v Values) lookupBytes(key []byte) (string, bool) { return lookupValues(v, key) }

// lookupValues is generic so that a Reader can look up the key it holds as
// bytes without making a string of it for every token: the compiler converts
// []byte to string without allocating in map indexes and comparisons.
func lookupValues[K string | []byte](v Values, key K) (string, bool) {
	if d := v.Deployment; d != nil {
		switch string(key) {
		case KeyDeployID:
			return strconv.Itoa(d.ID), true
		case KeyDeployName:
			return d.Name, true
		case KeyDeployDir:
			return d.Dir, true
		}
	}
	if s, ok := v.Inputs[string(key)]; ok {
		return s, true
	}
	if s, ok := v.Properties[string(key)]; ok {
		return s, true
	}
	if v.System != nil && len(key) >= len(SystemPrefix) && string(key[:len(SystemPrefix)]) == SystemPrefix {
		return v.System.Lookup(string(key))
	}
	return "", false
}

package token

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Type is the declared type of an input property (spec R158). The ten names are
// exact and case-sensitive, as in RHQ.
type Type string

// The input-property types RHQ accepts.
const (
	TypeString     Type = "string"
	TypeLongString Type = "longString"
	TypePassword   Type = "password"
	TypeBoolean    Type = "boolean"
	TypeInteger    Type = "integer"
	TypeLong       Type = "long"
	TypeFloat      Type = "float"
	TypeDouble     Type = "double"
	TypeFile       Type = "file"
	TypeDirectory  Type = "directory"
)

// types lists every valid Type in the order RHQ's documentation gives them.
var types = []Type{TypeString, TypeLongString, TypePassword, TypeBoolean, TypeInteger, TypeLong, TypeFloat, TypeDouble, TypeFile, TypeDirectory}

// Types returns every valid Type in the order RHQ's documentation gives them,
// in a new slice the caller may change.
func Types() []Type { return slices.Clone(types) }

// Sentinel errors, for errors.Is.
var (
	// ErrInvalidValue is wrapped by the error Validate returns for a value that
	// is not legal for its type.
	ErrInvalidValue = errors.New("invalid value")
	// ErrUnknownType is wrapped by the errors of ParseType, and of Validate on
	// a Type that is not one of Types.
	ErrUnknownType = errors.New("illegal input-property type")
)

// ParseType returns the Type named s. The match is exact: "Integer" is not
// "integer" (R158).
func ParseType(s string) (Type, error) {
	for _, t := range types {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("%w %q (valid: %s)", ErrUnknownType, s, typeList())
}

func typeList() string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// Valid reports whether t is one of the ten declared types.
func (t Type) Valid() bool {
	_, err := ParseType(string(t))
	return err == nil
}

// Secret reports whether values of this type must never be shown: in errors, log
// lines, events or JSON output.
func (t Type) Secret() bool { return t == TypePassword }

// Validate checks v against t with Java's syntax, as RHQ does at execution time
// (R159): boolean is exactly "true" or "false"; integer and long are decimal 32- and
// 64-bit integers with an optional sign; float and double accept Java's
// floating-point literals (exponents, NaN, Infinity, hexadecimal form, a trailing
// f/F/d/D and surrounding whitespace). The other types are not checked. The error
// wraps ErrInvalidValue (ErrUnknownType if t is not one of Types) and never
// contains the value itself, so it is safe for passwords too; the caller adds
// the property name.
func (t Type) Validate(v string) error {
	ok := true
	switch t {
	case TypeBoolean:
		ok = v == "true" || v == "false"
	case TypeInteger:
		ok = javaInteger(v, 32)
	case TypeLong:
		ok = javaInteger(v, 64)
	case TypeFloat, TypeDouble:
		ok = javaFloat(v)
	case TypeString, TypeLongString, TypePassword, TypeFile, TypeDirectory:
	default:
		return fmt.Errorf("%w %q", ErrUnknownType, string(t))
	}
	if !ok {
		return fmt.Errorf("%w: not a legal %s", ErrInvalidValue, t)
	}
	return nil
}

// javaInteger mirrors Integer.parseInt / Long.parseLong for ASCII input: an optional
// '+' or '-', then one or more decimal digits, within range. Go's ParseInt accepts
// '_' separators and base prefixes only with base 0, so base 10 is exact. Java also
// accepts non-ASCII decimal digits (such as Arabic-Indic ones); bundlekit does not.
func javaInteger(v string, bits int) bool {
	_, err := strconv.ParseInt(v, 10, bits)
	return err == nil
}

// javaFloat mirrors Double.valueOf's grammar (java.lang.Double#valueOf(String)):
// whitespace (any char <= ' ') trimmed at both ends, an optional sign, then NaN,
// Infinity, a decimal literal with optional exponent, or a hexadecimal literal with a
// mandatory binary exponent; decimal and hexadecimal forms may end in f, F, d or D.
// Values out of range are not errors in Java (they round to Infinity or zero).
func javaFloat(v string) bool {
	s := strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "NaN" || s == "Infinity" {
		return true
	}
	if n := len(s); n > 0 && strings.ContainsRune("fFdD", rune(s[n-1])) {
		s = s[:n-1]
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		return javaHexFloat(s[2:])
	}
	mant, exp, hasExp := cutAny(s, "eE")
	if hasExp && !signedDigits(exp) {
		return false
	}
	whole, frac, _ := strings.Cut(mant, ".")
	return (whole != "" || frac != "") && allDigits(whole, isDigit) && allDigits(frac, isDigit)
}

func javaHexFloat(s string) bool {
	mant, exp, hasExp := cutAny(s, "pP")
	if !hasExp || !signedDigits(exp) {
		return false
	}
	whole, frac, _ := strings.Cut(mant, ".")
	return (whole != "" || frac != "") && allDigits(whole, isHexDigit) && allDigits(frac, isHexDigit)
}

func cutAny(s, seps string) (before, after string, found bool) {
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func signedDigits(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	return s != "" && allDigits(s, isDigit)
}

func allDigits(s string, ok func(byte) bool) bool {
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool    { return '0' <= c && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

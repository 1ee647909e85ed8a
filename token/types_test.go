package token

import (
	"math/big"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseType(t *testing.T) {
	for _, want := range Types {
		got, err := ParseType(string(want))
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.True(t, want.Valid())
	}
	require.Len(t, Types, 10)
	for _, bad := range []string{"", "Integer", "STRING", " string", "string ", "int", "longstring", "bool"} {
		_, err := ParseType(bad)
		require.ErrorIs(t, err, ErrUnknownType, "R158 %q", bad)
		require.False(t, Type(bad).Valid())
	}
}

func TestTypeSecret(t *testing.T) {
	for _, typ := range Types {
		require.Equal(t, typ == Password, typ.Secret(), typ)
	}
}

// TestTypeValidate follows R159: Java's Boolean, Integer.parseInt,
// Long.parseLong and Double.valueOf syntax.
func TestTypeValidate(t *testing.T) {
	tests := []struct {
		typ   Type
		value string
		ok    bool
	}{
		{Boolean, "true", true},
		{Boolean, "false", true},
		{Boolean, "TRUE", false},
		{Boolean, "True", false},
		{Boolean, " true", false},
		{Boolean, "yes", false},
		{Boolean, "1", false},
		{Boolean, "", false},

		{Integer, "0", true},
		{Integer, "-0", true},
		{Integer, "+5", true},
		{Integer, "007", true},
		{Integer, "2147483647", true},
		{Integer, "-2147483648", true},
		{Integer, "2147483648", false},
		{Integer, "-2147483649", false},
		{Integer, "99999999999999999999", false},
		{Integer, "1_000", false},
		{Integer, "", false},
		{Integer, "+", false},
		{Integer, "-", false},
		{Integer, "++5", false},
		{Integer, "+-5", false},
		{Integer, " 5", false},
		{Integer, "5 ", false},
		{Integer, "0x10", false},
		{Integer, "1e3", false},
		{Integer, "1.0", false},
		{Integer, "٣", false}, // Java accepts non-ASCII digits; bundlekit does not

		{Long, "9223372036854775807", true},
		{Long, "-9223372036854775808", true},
		{Long, "2147483648", true},
		{Long, "9223372036854775808", false},
		{Long, "-9223372036854775809", false},
		{Long, "1L", false},
		{Long, "1_000", false},

		{Double, "1", true},
		{Double, " 1.5f ", true},
		{Double, "\t2\n", true},
		{Double, ".5", true},
		{Double, "5.", true},
		{Double, "1.f", true},
		{Double, "-.5e-3", true},
		{Double, "1e10", true},
		{Double, "1E-5D", true},
		{Double, "1e+5", true},
		{Double, "1e99999", true}, // Infinity in Java, not an error
		{Double, "1d", true},
		{Double, "0x1p3", true},
		{Double, "0X1P-3d", true},
		{Double, "0x1.8p1", true},
		{Double, "0x.8p1", true},
		{Double, "0x1fp1", true},
		{Double, "0x1p1f", true},
		{Double, "NaN", true},
		{Double, "+NaN", true},
		{Double, "-Infinity", true},
		{Double, "Infinity", true},
		{Double, " Infinity ", true},
		{Double, "1e", false},
		{Double, "1e+", false},
		{Double, "e5", false},
		{Double, "1e5.5", false},
		{Double, "0x1", false},
		{Double, "0x1f", false},
		{Double, "0xp1", false},
		{Double, "0x.p1", false},
		{Double, "0x1p", false},
		{Double, "0x", false},
		{Double, "Infinityf", false},
		{Double, "NaNd", false},
		{Double, "infinity", false},
		{Double, "nan", false},
		{Double, "Inf", false},
		{Double, ".", false},
		{Double, "", false},
		{Double, " ", false},
		{Double, "f", false},
		{Double, ".f", false},
		{Double, "1ff", false},
		{Double, "1.2.3", false},
		{Double, "1_000", false},
		{Double, "1,5", false},
		{Double, "--1", false},
		{Double, "+-1", false},
		{Double, "1 .5", false},
		{Double, "\u00a02", false}, // Java's trim removes only characters <= ' '

		{Float, "1.5f", true},
		{Float, "1e39", true}, // Infinity as a float, not an error
		{Float, "abc", false},

		{String, "", true},
		{String, "anything at all", true},
		{LongString, "line 1\nline 2", true},
		{Password, "", true},
		{File, "/etc/hosts", true},
		{Directory, `C:\apps`, true},
	}
	for _, tt := range tests {
		err := tt.typ.Validate(tt.value)
		if tt.ok {
			require.NoError(t, err, "R159 %s %q", tt.typ, tt.value)
			continue
		}
		require.ErrorIs(t, err, ErrInvalidValue, "R159 %s %q", tt.typ, tt.value)
		if len(tt.value) >= 3 {
			require.NotContains(t, err.Error(), tt.value, "the error must not hold the value")
		}
	}
	// Float and double share Java's syntax.
	for _, tt := range tests {
		if tt.typ == Double {
			require.Equal(t, Double.Validate(tt.value) == nil, Float.Validate(tt.value) == nil, tt.value)
		}
	}
}

func TestTypeValidateUnknownType(t *testing.T) {
	err := Type("Integer").Validate("5")
	require.ErrorIs(t, err, ErrUnknownType)
	require.NotErrorIs(t, err, ErrInvalidValue)
}

// javaFloatRegexp is the grammar of Double.valueOf as its Java documentation
// gives it, as a regular expression.
var javaFloatRegexp = regexp.MustCompile(`^[\x00-\x20]*[+-]?(NaN|Infinity|((([0-9]+(\.)?([0-9]+)?([eE][+-]?[0-9]+)?)|(\.([0-9]+)([eE][+-]?[0-9]+)?)|(((0[xX][0-9a-fA-F]+(\.)?)|(0[xX][0-9a-fA-F]*(\.)[0-9a-fA-F]+))[pP][+-]?[0-9]+))[fFdD]?))[\x00-\x20]*$`)

var javaIntRegexp = regexp.MustCompile(`^[+-]?[0-9]+$`)

// javaIntRef is Integer.parseInt / Long.parseLong on ASCII input.
func javaIntRef(v string, bits uint) bool {
	if !javaIntRegexp.MatchString(v) {
		return false
	}
	n, _ := new(big.Int).SetString(v, 10)
	limit := new(big.Int).Lsh(big.NewInt(1), bits-1)
	return n.Cmp(new(big.Int).Neg(limit)) >= 0 && n.Cmp(limit) < 0
}

// FuzzTypeValidate checks the numeric types against Java's grammars written
// as regular expressions.
func FuzzTypeValidate(f *testing.F) {
	for _, s := range []string{"1", "-0", "+5", "1_000", " 1.5f ", ".5", "5.", "1e10", "1e", "0x1p3", "0x.8P-1d",
		"NaN", "-Infinity", "Infinityf", "2147483648", "-9223372036854775808", "\x00 7d\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if got, want := Double.Validate(v) == nil, javaFloatRegexp.MatchString(v); got != want {
			t.Errorf("double %q: valid = %v, Java: %v", v, got, want)
		}
		if got, want := Integer.Validate(v) == nil, javaIntRef(v, 32); got != want {
			t.Errorf("integer %q: valid = %v, Java: %v", v, got, want)
		}
		if got, want := Long.Validate(v) == nil, javaIntRef(v, 64); got != want {
			t.Errorf("long %q: valid = %v, Java: %v", v, got, want)
		}
	})
}

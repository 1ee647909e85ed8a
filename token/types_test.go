package token

import (
	"math/big"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseType(t *testing.T) {
	for _, want := range Types() {
		got, err := ParseType(string(want))
		require.NoError(t, err)
		require.Equal(t, want, got)
		require.True(t, want.Valid())
	}
	require.Len(t, Types(), 10)
	mine := Types()
	mine[0] = "changed"
	require.Equal(t, TypeString, Types()[0], "Types returns a copy")
	for _, bad := range []string{"", "Integer", "STRING", " string", "string ", "int", "longstring", "bool"} {
		_, err := ParseType(bad)
		require.ErrorIs(t, err, ErrUnknownType, "R158 %q", bad)
		require.False(t, Type(bad).Valid())
	}
}

func TestTypeSecret(t *testing.T) {
	for _, typ := range Types() {
		require.Equal(t, typ == TypePassword, typ.Secret(), typ)
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
		{TypeBoolean, "true", true},
		{TypeBoolean, "false", true},
		{TypeBoolean, "TRUE", false},
		{TypeBoolean, "True", false},
		{TypeBoolean, " true", false},
		{TypeBoolean, "yes", false},
		{TypeBoolean, "1", false},
		{TypeBoolean, "", false},

		{TypeInteger, "0", true},
		{TypeInteger, "-0", true},
		{TypeInteger, "+5", true},
		{TypeInteger, "007", true},
		{TypeInteger, "2147483647", true},
		{TypeInteger, "-2147483648", true},
		{TypeInteger, "2147483648", false},
		{TypeInteger, "-2147483649", false},
		{TypeInteger, "99999999999999999999", false},
		{TypeInteger, "1_000", false},
		{TypeInteger, "", false},
		{TypeInteger, "+", false},
		{TypeInteger, "-", false},
		{TypeInteger, "++5", false},
		{TypeInteger, "+-5", false},
		{TypeInteger, " 5", false},
		{TypeInteger, "5 ", false},
		{TypeInteger, "0x10", false},
		{TypeInteger, "1e3", false},
		{TypeInteger, "1.0", false},
		{TypeInteger, "٣", false}, // Java accepts non-ASCII digits; bundlekit does not

		{TypeLong, "9223372036854775807", true},
		{TypeLong, "-9223372036854775808", true},
		{TypeLong, "2147483648", true},
		{TypeLong, "9223372036854775808", false},
		{TypeLong, "-9223372036854775809", false},
		{TypeLong, "1L", false},
		{TypeLong, "1_000", false},

		{TypeDouble, "1", true},
		{TypeDouble, " 1.5f ", true},
		{TypeDouble, "\t2\n", true},
		{TypeDouble, ".5", true},
		{TypeDouble, "5.", true},
		{TypeDouble, "1.f", true},
		{TypeDouble, "-.5e-3", true},
		{TypeDouble, "1e10", true},
		{TypeDouble, "1E-5D", true},
		{TypeDouble, "1e+5", true},
		{TypeDouble, "1e99999", true}, // Infinity in Java, not an error
		{TypeDouble, "1d", true},
		{TypeDouble, "0x1p3", true},
		{TypeDouble, "0X1P-3d", true},
		{TypeDouble, "0x1.8p1", true},
		{TypeDouble, "0x.8p1", true},
		{TypeDouble, "0x1fp1", true},
		{TypeDouble, "0x1p1f", true},
		{TypeDouble, "NaN", true},
		{TypeDouble, "+NaN", true},
		{TypeDouble, "-Infinity", true},
		{TypeDouble, "Infinity", true},
		{TypeDouble, " Infinity ", true},
		{TypeDouble, "1e", false},
		{TypeDouble, "1e+", false},
		{TypeDouble, "e5", false},
		{TypeDouble, "1e5.5", false},
		{TypeDouble, "0x1", false},
		{TypeDouble, "0x1f", false},
		{TypeDouble, "0xp1", false},
		{TypeDouble, "0x.p1", false},
		{TypeDouble, "0x1p", false},
		{TypeDouble, "0x", false},
		{TypeDouble, "Infinityf", false},
		{TypeDouble, "NaNd", false},
		{TypeDouble, "infinity", false},
		{TypeDouble, "nan", false},
		{TypeDouble, "Inf", false},
		{TypeDouble, ".", false},
		{TypeDouble, "", false},
		{TypeDouble, " ", false},
		{TypeDouble, "f", false},
		{TypeDouble, ".f", false},
		{TypeDouble, "1ff", false},
		{TypeDouble, "1.2.3", false},
		{TypeDouble, "1_000", false},
		{TypeDouble, "1,5", false},
		{TypeDouble, "--1", false},
		{TypeDouble, "+-1", false},
		{TypeDouble, "1 .5", false},
		{TypeDouble, "\u00a02", false}, // Java's trim removes only characters <= ' '

		{TypeFloat, "1.5f", true},
		{TypeFloat, "1e39", true}, // Infinity as a float, not an error
		{TypeFloat, "abc", false},

		{TypeString, "", true},
		{TypeString, "anything at all", true},
		{TypeLongString, "line 1\nline 2", true},
		{TypePassword, "", true},
		{TypeFile, "/etc/hosts", true},
		{TypeDirectory, `C:\apps`, true},
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
		if tt.typ == TypeDouble {
			require.Equal(t, TypeDouble.Validate(tt.value) == nil, TypeFloat.Validate(tt.value) == nil, tt.value)
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
		if got, want := TypeDouble.Validate(v) == nil, javaFloatRegexp.MatchString(v); got != want {
			t.Errorf("double %q: valid = %v, Java: %v", v, got, want)
		}
		if got, want := TypeInteger.Validate(v) == nil, javaIntRef(v, 32); got != want {
			t.Errorf("integer %q: valid = %v, Java: %v", v, got, want)
		}
		if got, want := TypeLong.Validate(v) == nil, javaIntRef(v, 64); got != want {
			t.Errorf("long %q: valid = %v, Java: %v", v, got, want)
		}
	})
}

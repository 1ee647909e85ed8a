package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

const secret = "s3cr3t-hunter2"

var recipeInputs = Inputs{
	{Name: "listener.port", Description: "The port the listener binds to", Type: TypeInteger, Required: true},
	{Name: "db.password", Description: "Database password", Type: TypePassword, Required: true},
	{Name: "heap", Type: TypeLong, Default: "512", HasDefault: true},
	{Name: "ratio", Type: TypeDouble, Required: false},
	{Name: "debug", Type: TypeBoolean, Required: true, Default: "false", HasDefault: true},
	{Name: "motd", Required: true}, // zero Type: string
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name  string
		given map[string]string
		want  map[string]string
	}{
		{
			name:  "R159 defaults fill the gaps, optional inputs without value are left out",
			given: map[string]string{"listener.port": "8080", "db.password": secret, "motd": "hi"},
			want:  map[string]string{"listener.port": "8080", "db.password": secret, "heap": "512", "debug": "false", "motd": "hi"},
		},
		{
			name: "R159 a given value beats the default, even when empty",
			given: map[string]string{
				"listener.port": "+80", "db.password": "", "heap": "-1", "ratio": " 1.5f ", "debug": "true", "motd": "",
				"unrelated": "x",
			},
			want: map[string]string{"listener.port": "+80", "db.password": "", "heap": "-1", "ratio": " 1.5f ", "debug": "true", "motd": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recipeInputs.Resolve(tt.given)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	got, err := Inputs(nil).Resolve(nil)
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestResolveMissing(t *testing.T) {
	got, err := recipeInputs.Resolve(map[string]string{"heap": "1", "db.password": secret})
	require.Nil(t, got)
	var missing *MissingError
	require.ErrorAs(t, err, &missing)
	want := []Input{
		{Name: "listener.port", Description: "The port the listener binds to", Type: TypeInteger, Required: true},
		{Name: "motd", Type: TypeString, Required: true},
	}
	if diff := cmp.Diff(want, missing.Inputs); diff != "" {
		t.Errorf("R159 all missing inputs at once (-want +got):\n%s", diff)
	}
	require.Equal(t,
		"no value was specified for 2 required input properties, and none has a default: "+
			"'listener.port' (integer: The port the listener binds to); 'motd' (string)",
		err.Error())

	_, err = Inputs{{Name: "port", Type: TypeInteger, Required: true, Description: "Port"}}.Resolve(nil)
	require.EqualError(t, err,
		"no value was specified for required input property 'port' (integer: Port), and no default is defined for the property")
}

func TestResolveInvalid(t *testing.T) {
	given := map[string]string{"listener.port": "80.5", "db.password": secret, "heap": "1_000", "debug": "TRUE", "motd": "m"}
	got, err := recipeInputs.Resolve(given)
	require.Nil(t, got)
	var errs []*InvalidError
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var inv *InvalidError
		require.ErrorAs(t, e, &inv)
		errs = append(errs, inv)
	}
	require.Len(t, errs, 3)
	require.Equal(t, "'80.5' is not a legal value for input property 'listener.port', which has type 'integer'", errs[0].Error())
	require.Equal(t, &InvalidError{Name: "heap", Type: TypeLong, Value: "1_000", Err: errs[1].Err}, errs[1])
	require.Equal(t, "debug", errs[2].Name)
	require.ErrorIs(t, err, ErrInvalidValue)
}

func TestResolveMissingAndInvalid(t *testing.T) {
	_, err := recipeInputs.Resolve(map[string]string{"listener.port": "x", "db.password": secret})
	var missing *MissingError
	require.ErrorAs(t, err, &missing)
	require.Len(t, missing.Inputs, 1)
	var invalid *InvalidError
	require.ErrorAs(t, err, &invalid)
	require.Equal(t, "listener.port", invalid.Name)
}

func TestResolveUnknownType(t *testing.T) {
	_, err := Inputs{{Name: "n", Type: "Integer", Default: "1", HasDefault: true}}.Resolve(nil)
	require.ErrorIs(t, err, ErrUnknownType)
	var invalid *InvalidError
	require.False(t, errors.As(err, &invalid))
	require.Contains(t, err.Error(), "'n'")
}

// TestSecretsNeverShown checks that a password value appears in no error, no
// redacted map, no log line and no JSON made from them.
func TestSecretsNeverShown(t *testing.T) {
	ins := Inputs{
		{Name: "db.password", Type: TypePassword, Required: true},
		// Inconsistent on purpose: a default without HasDefault is unused, and
		// must not leak through MissingError either.
		{Name: "admin.password", Type: TypePassword, Required: true, Default: secret},
		{Name: "port", Type: TypeInteger, Required: true},
	}
	given := map[string]string{"db.password": secret, "port": "http"}
	_, err := ins.Resolve(given)
	require.Error(t, err)

	var missing *MissingError
	require.ErrorAs(t, err, &missing)
	require.Empty(t, missing.Inputs[0].Default)

	redacted := ins.Redact(given)
	require.Equal(t, map[string]string{"db.password": Mask, "port": "http"}, redacted)
	require.Equal(t, secret, given["db.password"], "Redact must not change its argument")

	var log strings.Builder
	logger := slog.New(slog.NewJSONHandler(&log, nil))
	logger.Error("resolve failed", "err", err, "values", redacted)
	js, jerr := json.Marshal(struct {
		Err    string
		Values map[string]string
	}{err.Error(), redacted})
	require.NoError(t, jerr)

	for what, text := range map[string]string{
		"error": err.Error(), "%+v": fmt.Sprintf("%+v", err), "log": log.String(), "json": string(js),
	} {
		require.NotContains(t, text, secret, what)
	}
}

func TestRedact(t *testing.T) {
	require.Nil(t, recipeInputs.Redact(nil))
	got := recipeInputs.Redact(map[string]string{"listener.port": "1", "heap": "2", "other": "3"})
	require.Equal(t, map[string]string{"listener.port": "1", "heap": "2", "other": "3"}, got)
	got = recipeInputs.Redact(map[string]string{"db.password": ""})
	require.Equal(t, map[string]string{"db.password": Mask}, got)
}

func TestInvalidErrorMasksSecretType(t *testing.T) {
	e := &InvalidError{Name: "pw", Type: TypePassword, Value: secret, Err: ErrInvalidValue}
	require.NotContains(t, e.Error(), secret)
	require.Contains(t, e.Error(), Mask)
	require.ErrorIs(t, e, ErrInvalidValue)
}

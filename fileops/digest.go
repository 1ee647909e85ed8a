package fileops

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ErrDigestMismatch: content whose SHA-256 is not the one published for it.
var ErrDigestMismatch = errors.New("SHA-256 does not match")

// DigestError reports content whose SHA-256 is not the expected one: a
// download that a recipe pins, a bundle file checked against its published
// digest. Want and Got are lowercase hex.
type DigestError struct {
	Name string // what was hashed, for the message; empty when the caller's error names it
	Want string
	Got  string
}

func (e *DigestError) Error() string {
	msg := fmt.Sprintf("%v: expected %s, got %s", ErrDigestMismatch, e.Want, e.Got)
	if e.Name == "" {
		return msg
	}
	return e.Name + ": " + msg
}

func (e *DigestError) Unwrap() error { return ErrDigestMismatch }

// ParseSHA256 checks a SHA-256 digest written as 64 hex digits, either case,
// and returns it in lowercase, the form DigestError reports.
func ParseSHA256(s string) (string, error) {
	if _, err := hex.DecodeString(s); err != nil || len(s) != 64 {
		return "", fmt.Errorf("%q is not a SHA-256 digest: it must be 64 hex digits", s)
	}
	return strings.ToLower(s), nil
}

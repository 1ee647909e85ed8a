// Package sample is apicount's fixture: each exported identifier is counted once.
package sample

import "io"

// T is a type (1) with three exported fields (3), the embedded Reader among them.
type T struct {
	A, B   int
	hidden int
	io.Reader
}

type hidden struct{ X int }

// I is a type (1) with one exported method (1).
type I interface {
	M()
	m()
}

// F is a func (1).
func F() {}

func f() {}

// M is a method (1); the method of an unexported type is not counted.
func (T) M()      {}
func (hidden) M() {}

// V is a var (1).
var V, v = 1, 2

// C and D are consts (2).
const (
	C = iota
	D
	e
)

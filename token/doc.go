// Package token realizes @@token@@ templates and holds the values that fill them.
//
// Contract: realization is streaming (bounded memory whatever the input size),
// exact (no byte outside a token changes) and single-pass (values are never
// re-expanded), following spec §11 (R140–R152). The package also owns the types of
// input properties and the validation of their values (R158–R159), and the system
// tokens of R149. It knows nothing about bundles or directories.
package token

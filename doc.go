// Package ward is the domain of ward, secure messaging for healthcare teams
// and their patients: the types, their validation and the one error type,
// ward.Error, that every layer returns. It does no I/O and has no
// dependencies beyond the standard library.
package ward

// Package transform owns the "T" of the ETL: it reads NDJSON input (plain or
// gzip, detected by magic bytes) line by line with a bound on line size, and
// flattens each AB2D ExplanationOfBenefit (FHIR R4 from AB2D v2, STU3 from
// v1, detected per resource) or OperationOutcome into the flat rows of the
// warehouse tables defined in package schema.
package transform

//go:generate go run gen_rows.go

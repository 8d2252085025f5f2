// Package pdfdoc starts the A4 reports ward writes as PDF (the accounting
// of disclosures, the conformance report): dated by their content, so the
// same content makes the same bytes, with a numbered footer on every page.
package pdfdoc

// Package maintutil holds what the `maintenance` verbs share: building pkg/maintenance's
// clients from the Factory, mapping its errors to exit codes, and choosing the progress display.
package maintutil

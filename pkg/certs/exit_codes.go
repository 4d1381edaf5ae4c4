package certs

import "github.com/oc-cnv/oc-cnv/pkg/exitcode"

// The exit code of each error of this package (docs/exit-codes.md), side by side so that the
// mapping reads as one table. An error not listed (a failed restore of replicas among them)
// ends the process with 1.

// A namespace that does not exist, one with nothing of the virtualization components in it,
// a Secret that is not in the catalogue: bad input, nothing was changed.
func (e *NamespaceNotFoundError) ExitCode() int { return exitcode.Usage }
func (e *NothingInstalledError) ExitCode() int  { return exitcode.Usage }
func (e *NoCertificatesError) ExitCode() int    { return exitcode.Usage }
func (e *SecretError) ExitCode() int            { return exitcode.Usage }

func (e *PermissionError) ExitCode() int { return exitcode.Forbidden }
func (e *TimeoutError) ExitCode() int    { return exitcode.Timeout }

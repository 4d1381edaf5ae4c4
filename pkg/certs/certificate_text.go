package certs

import "fmt"

// The words a certificate goes by: the advice and the plan's steps here and the table of
// pkg/printers use them, so that a line of advice names an object as the table row it fixes.

// shortKinds are the OBJECT prefixes of the default table: kubectl's short names where it has
// them, so that a row stays within 120 columns.
var shortKinds = map[string]string{
	KindSecret: "secret", KindConfigMap: "cm", KindValidating: "vwc", KindMutating: "mwc",
	KindAPIService: "apiservice", KindRoute: "route", KindPod: "pod",
}

// ShortObject is kind/name with the kind abbreviated as in the default table.
func (c *Certificate) ShortObject() string {
	if k, ok := shortKinds[c.Kind]; ok {
		return k + "/" + c.Name
	}
	return c.Object()
}

// StatusText is the STATUS column: EXPIRING says the window it expires in.
func (c *Certificate) StatusText() string {
	if c.Status == StatusExpiring && c.Within != "" {
		return fmt.Sprintf("%s (<%s)", c.Status, c.Within)
	}
	return string(c.Status)
}

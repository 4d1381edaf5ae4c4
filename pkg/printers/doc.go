// Package printers renders the models of pkg/maintenance and pkg/certs as the text people
// read: tables, descriptions, plans and live progress. The domain packages never import it, so
// they stay free of layout and terminals and their models are all a renderer gets; each
// renderer writes to an io.Writer, and its tests compare exact text. Like the domain it knows
// nothing about cobra: the commands decide what to print, and where.
package printers

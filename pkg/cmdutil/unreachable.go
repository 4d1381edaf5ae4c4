package cmdutil

import (
	"errors"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// Unreachable rewords a read that could not connect to the API server, whatever step met it
// first ("discovering the NodeMaintenance API: Get ...: dial tcp ...: connection refused" reads
// like a missing operator), as kubectl words it: the server cannot be reached, and where it
// was looked for. Only a plain chain of wrapped reads is reworded: a failed write comes after
// the server answered, and an error that says more after the cause (what state was left, what
// to run) keeps every word.
func Unreachable(err error) error {
	var op *net.OpError
	var ue *url.Error
	if err == nil || !errors.As(err, &op) || op.Op != "dial" || !errors.As(err, &ue) ||
		ue.Op != "Get" || !strings.HasSuffix(err.Error(), ue.Error()) {
		return err
	}
	server := ""
	if u, perr := url.Parse(ue.URL); perr == nil {
		server = u.Host
	}
	if server == "" && op.Addr != nil {
		server = op.Addr.String()
	}
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return Errorf(ExitUnavailable, "the connection to the server %s was refused - did you specify the right host or port?", server)
	case errors.As(err, &dns) && dns.IsNotFound:
		return Errorf(ExitUnavailable, "the server %s cannot be reached: no such host %s - did you specify the right host?", server, dns.Name)
	case op.Timeout():
		return Errorf(ExitUnavailable, "the server %s cannot be reached: the connection timed out - is it up, and is the network path open?", server)
	}
	return Errorf(ExitUnavailable, "the server %s cannot be reached: %v", server, op.Err)
}

package maintutil

import (
	"errors"

	"github.com/oc-cnv/oc-cnv/pkg/cmdutil"
	"github.com/oc-cnv/oc-cnv/pkg/maintenance"
)

// Clients builds the clients pkg/maintenance needs from the Factory.
func Clients(f *cmdutil.Factory) (maintenance.Clients, error) {
	var c maintenance.Clients
	var err error
	if c.Kube, err = f.Kube(); err != nil {
		return c, err
	}
	if c.Dynamic, err = f.Dynamic(); err != nil {
		return c, err
	}
	if c.Discovery, err = f.DiscoveryClient(); err != nil {
		return c, err
	}
	if c.KubeVirt, err = f.KubeVirt(); err != nil {
		return c, err
	}
	return c, nil
}

// ResolveAPI finds the NodeMaintenance API; when none is served it returns (nil, nil) if
// optional, else the NoAPIError (exit code 6, with its hint).
func ResolveAPI(c maintenance.Clients, optional bool) (*maintenance.API, error) {
	api, err := maintenance.ResolveAPI(c.Discovery)
	if err != nil {
		if optional && errors.Is(err, maintenance.ErrNoAPI) {
			return nil, nil
		}
		return nil, err
	}
	return &api, nil
}

// ClientsAndOptionalAPI is Clients and ResolveAPI(c, true), for the commands that must work
// on a cluster without the operator too: a node drained with --method=drain has no
// NodeMaintenance, yet it is listed, described and stopped like any other.
func ClientsAndOptionalAPI(f *cmdutil.Factory) (maintenance.Clients, *maintenance.API, error) {
	c, err := Clients(f)
	if err != nil {
		return c, nil, err
	}
	api, err := ResolveAPI(c, true)
	return c, api, err
}

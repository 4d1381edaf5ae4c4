// Command etcd is upstream etcd, built from the Go module proxy for the local test cluster.
// (go.etcd.io/etcd/server/v3 carries replace directives, so `go install` of it fails.)
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}

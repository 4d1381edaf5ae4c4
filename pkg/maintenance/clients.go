package maintenance

import (
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"kubevirt.io/client-go/kubevirt"
)

// Clients are the API clients the package works with. They are interfaces so that unit tests
// can hand in fakes and the commands can hand in whatever their Factory built.
type Clients struct {
	Kube      kubernetes.Interface
	Dynamic   dynamic.Interface
	Discovery discovery.DiscoveryInterface
	KubeVirt  kubevirt.Interface
}

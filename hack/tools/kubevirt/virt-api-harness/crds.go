package main

import (
	"context"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiext "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"kubevirt.io/kubevirt/pkg/virt-operator/resource/generate/components"
)

// virt-api's informers wait for these kinds to be listed before it serves anything
// (pkg/virt-api/api.go Run: VirtualMachinePreset and VirtualMachineRestore informers), and the
// simulator's CRDs (hack/crds/kubevirt) do not serve them. They are created from virt-operator's
// own definitions when missing; one served already is left as it is.
var virtAPIPrerequisiteCRDs = []func() (*extv1.CustomResourceDefinition, error){
	components.NewPresetCrd,
	components.NewVirtualMachineRestoreCrd,
}

func ensureCRDs(ctx context.Context, c apiext.Interface) error {
	for _, mk := range virtAPIPrerequisiteCRDs {
		crd, err := mk()
		if err != nil {
			return err
		}
		_, err = c.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
	return nil
}

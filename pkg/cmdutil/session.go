package cmdutil

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/tools/clientcmd"
)

// checkSession refuses a session that names no cluster at all. client-go would otherwise fall
// back to http://localhost:8080, and a command would talk to whatever listens there (on a
// workstation that can be anything) instead of saying that the kubeconfig is missing.
func (f *Factory) checkSession() error {
	cf := f.ConfigFlags
	if cf == nil {
		return Errorf(ExitUnavailable, "no cluster connection is configured")
	}
	if cf.APIServer != nil && *cf.APIServer != "" {
		return nil
	}
	// Inside a pod the service account's in-cluster configuration applies.
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil
	}
	raw, err := cf.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return sessionError(err)
	}
	if len(raw.Clusters) > 0 {
		return nil
	}
	return Errorf(ExitUnavailable, "no cluster is configured: %s; %s, or point --kubeconfig or KUBECONFIG at a kubeconfig file", kubeconfigSource(cf.KubeConfig), LoginHint)
}

// kubeconfigSource says where the kubeconfig was looked for, naming files that do not exist.
func kubeconfigSource(flag *string) string {
	describe := func(paths []string, how string) string {
		var missing []string
		for _, p := range paths {
			if _, err := os.Stat(p); err != nil {
				missing = append(missing, p)
			}
		}
		if len(missing) == len(paths) {
			return fmt.Sprintf("%s names %s, which does not exist", how, strings.Join(missing, ", "))
		}
		return fmt.Sprintf("%s (%s) defines no cluster", how, strings.Join(paths, ", "))
	}
	if flag != nil && *flag != "" {
		return describe([]string{*flag}, "--kubeconfig")
	}
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		return describe(filepath.SplitList(env), "KUBECONFIG")
	}
	return describe([]string{clientcmd.RecommendedHomeFile}, "the default kubeconfig")
}

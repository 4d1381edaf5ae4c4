package certs

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
)

// UsualNamespaces says where the virtualization components usually are, for messages that
// tell the user which -n to pass.
const UsualNamespaces = "openshift-cnv on OpenShift Virtualization, kubevirt-hyperconverged on upstream HCO installs"

// ValidateNamespaceName reports why name cannot be a namespace, naming flag (e.g. "-n") in the
// message; nil when it can. It needs no cluster.
func ValidateNamespaceName(flag, name string) error {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		return fmt.Errorf("invalid %s %q: a namespace name has at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit; the components are usually in %s", flag, name, UsualNamespaces)
	}
	return nil
}

// NamespaceNotFoundError is a namespace given on the command line that does not exist.
type NamespaceNotFoundError struct {
	Namespace string
}

func (e *NamespaceNotFoundError) Error() string {
	return fmt.Sprintf("namespace %q not found; the virtualization components are usually in %s: pass that namespace with -n (and CDI's with --cdi-namespace when it has its own)", e.Namespace, UsualNamespaces)
}

// CheckNamespacesExist returns a *NamespaceNotFoundError for the first of namespaces that does
// not exist. A user who may not read Namespace objects is not stopped here: the requests that
// follow report what they may not do.
func CheckNamespacesExist(ctx context.Context, c kubernetes.Interface, namespaces ...string) error {
	for _, ns := range namespaces {
		if ns == "" {
			continue
		}
		_, err := c.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		switch {
		case err == nil, apierrors.IsForbidden(err):
		case apierrors.IsNotFound(err):
			return &NamespaceNotFoundError{Namespace: ns}
		default:
			return err
		}
	}
	return nil
}

// NothingInstalledError is a rotation asked of a namespace where none of the selected
// components is installed.
type NothingInstalledError struct {
	Namespaces []string
	// Components are the ones asked for with --components; empty means all.
	Components []string
}

func (e *NothingInstalledError) Error() string {
	what := "no virtualization component is installed"
	if len(e.Components) > 0 {
		what = "none of the components " + strings.Join(e.Components, ", ") + " is installed"
	}
	return fmt.Sprintf("%s in namespace %s; pass -n with the namespace that holds them (usually %s)", what, strings.Join(quoteAll(e.Namespaces), " or "), UsualNamespaces)
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// NoCertificatesError is a check of a scope that holds no certificate at all: almost always
// the wrong -n, which must not pass silently (a cron job would pass forever).
type NoCertificatesError struct {
	// Namespaces are the ones scanned; empty means all.
	Namespaces []string
	// Defaulted: -n was not given and the default namespace was scanned.
	Defaulted bool
}

func (e *NoCertificatesError) Error() string {
	if len(e.Namespaces) == 0 {
		return "no certificates found in any namespace; pass --allow-empty if that is expected"
	}
	where := "namespace " + strings.Join(quoteAll(e.Namespaces), " and ")
	if e.Defaulted {
		where += " (the default without -n)"
	}
	return fmt.Sprintf("no certificates found in %s; the virtualization components are usually in %s: pass their namespace with -n, or --allow-empty if an empty namespace is expected", where, UsualNamespaces)
}

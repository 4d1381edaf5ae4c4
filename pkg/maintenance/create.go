package maintenance

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Create writes the NodeMaintenance. With serverDryRun the API server (and the operator's
// validating webhook) checks the object without persisting it.
func Create(ctx context.Context, c Clients, api API, name, node, reason string, serverDryRun bool) (*unstructured.Unstructured, error) {
	obj := NewObject(api, name, node, reason)
	opts := metav1.CreateOptions{}
	if serverDryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	out, err := c.Dynamic.Resource(api.GVR).Create(ctx, obj, opts)
	if err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil, nameTaken(ctx, c, api, name, node)
		}
		// The operator's webhook refuses a second maintenance of a node (whatever its name), so
		// a concurrent start of the same node can also lose here: if the node's maintenance now
		// exists, the node is simply already in maintenance.
		if !serverDryRun && (apierrors.IsForbidden(err) || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)) {
			if existing, ok, ferr := FindForNode(ctx, c, api, node); ferr == nil && ok {
				return nil, &AlreadyInMaintenanceError{Existing: existing}
			}
		}
		if wu := webhookUnavailable(err, name, node); wu != nil {
			return nil, wu
		}
		return nil, fmt.Errorf("creating NodeMaintenance %s for node %s: %w", name, node, err)
	}
	return out, nil
}

// WebhookUnavailableError: the API server could not call an admission webhook registered for
// NodeMaintenances (with the operator's, because the operator is stopped or scaled to 0), so it
// refused the object. Nothing was written.
type WebhookUnavailableError struct {
	Node, Name string
	// Webhook is the webhook's name as the API server reported it; Cause why the call failed.
	Webhook, Cause string
	Err            error
}

// operator tells the Node Maintenance Operator's webhook (medik8s: vnodemaintenance.kb.io) from
// another one, such as a policy engine's.
func (e *WebhookUnavailableError) operator() bool {
	return strings.Contains(strings.ToLower(e.Webhook), "nodemaintenance")
}

func (e *WebhookUnavailableError) Error() string {
	who := fmt.Sprintf("the Node Maintenance Operator is not answering (the API server could not call its admission webhook %q: %s)", e.Webhook, e.Cause)
	if !e.operator() {
		who = fmt.Sprintf("the admission webhook %q, which checks every NodeMaintenance, is not answering (%s)", e.Webhook, e.Cause)
	}
	return fmt.Sprintf("cannot start the maintenance of node %s: %s, so NodeMaintenance %s was refused and nothing was changed", e.Node, who, e.Name)
}

func (e *WebhookUnavailableError) Unwrap() error { return e.Err }

// Hint says what to do.
func (e *WebhookUnavailableError) Hint() string {
	if !e.operator() {
		return fmt.Sprintf("check that the service behind webhook %q is running and run the command again", e.Webhook)
	}
	return "check that the Node Maintenance Operator is running (its pod ready, its webhook service with endpoints) and run the command again, or use --method=drain to cordon and drain the node without it"
}

// webhookCallFailed matches the API server's answer when a webhook with failurePolicy Fail
// cannot be called: `failed calling webhook "NAME": failed to call webhook: Post "URL": CAUSE`.
var webhookCallFailed = regexp.MustCompile(`failed calling webhook "([^"]+)": (?:failed to call webhook: )?(?:[A-Za-z]+ "[^"]*": )?(.+)$`)

func webhookUnavailable(err error, name, node string) *WebhookUnavailableError {
	if !apierrors.IsInternalError(err) && !apierrors.IsTimeout(err) && !apierrors.IsServerTimeout(err) {
		return nil
	}
	m := webhookCallFailed.FindStringSubmatch(err.Error())
	if m == nil {
		return nil
	}
	return &WebhookUnavailableError{Node: node, Name: name, Webhook: m[1], Cause: m[2], Err: err}
}

// AlreadyInMaintenanceError means the object to create exists and is for the same node: another
// process (or person) started this node's maintenance between the checks and the create. The
// caller treats the node as already in maintenance.
type AlreadyInMaintenanceError struct {
	Existing NodeMaintenance
}

func (e *AlreadyInMaintenanceError) Error() string {
	return fmt.Sprintf("node %s is already in maintenance (NodeMaintenance %s)", e.Existing.NodeName, e.Existing.Name)
}

// NameTakenError means the object name is used by the maintenance of another node.
type NameTakenError struct {
	Name, Node, OtherNode string
}

func (e *NameTakenError) Error() string {
	return fmt.Sprintf("a NodeMaintenance named %q already exists for node %s, not %s; choose another name with --name", e.Name, e.OtherNode, e.Node)
}

// nameTaken reads the object that holds name, to tell a concurrent start of the same node from
// a name used by another node's maintenance.
func nameTaken(ctx context.Context, c Clients, api API, name, node string) error {
	u, err := c.Dynamic.Resource(api.GVR).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("NodeMaintenance %s was being created by someone else and is gone again; run the command again", name)
		}
		return fmt.Errorf("reading the existing NodeMaintenance %s: %w", name, err)
	}
	nm := FromUnstructured(u)
	if nm.NodeName == node {
		return &AlreadyInMaintenanceError{Existing: nm}
	}
	return &NameTakenError{Name: name, Node: node, OtherNode: nm.NodeName}
}

// MaxReasonLength bounds --reason: the reason is shown in consoles and in `maintenance list`,
// where a longer text is unreadable.
const MaxReasonLength = 1024

// CheckReason validates --reason. given says whether the flag was on the command line: leaving
// it out is fine, but an explicitly empty (or blank) reason is a mistake, such as an unset shell
// variable.
func CheckReason(reason string, given bool) error {
	if given && strings.TrimSpace(reason) == "" {
		return errors.New(`--reason is empty; give the reason for the maintenance (for example --reason "Replacing DIMM"), or leave the flag out`)
	}
	if n := utf8.RuneCountInString(reason); n > MaxReasonLength {
		return fmt.Errorf("--reason is %d characters long; the limit is %d because the reason is shown in consoles and in maintenance lists; shorten it", n, MaxReasonLength)
	}
	return nil
}

// RunAll runs fn for every node with at most maxConcurrent at a time (1: strictly one after
// the other, each finishing before the next starts). After the first error no further node is
// started; nodes already running finish their own fn. The error is recorded before the slot is
// released, so with one slot a failed node always prevents the next one.
func RunAll(ctx context.Context, nodes []string, maxConcurrent int, fn func(ctx context.Context, node string) error) error {
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	sem := make(chan struct{}, maxConcurrent)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	for _, n := range nodes {
		sem <- struct{}{}
		if failed() || ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func(node string) {
			defer wg.Done()
			if err := fn(ctx, node); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
			<-sem
		}(n)
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

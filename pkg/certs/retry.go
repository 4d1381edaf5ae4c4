package certs

import (
	"context"
	"errors"
	"io"
	"math"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
)

// transientRetryFor bounds how long one change is retried while the API server cannot take
// it: long enough for an API server to restart, short of any sensible --timeout.
const transientRetryFor = 2 * time.Minute

// transient reports whether err says the API server could not take the request now (it was
// restarting, a load balancer failed over, it shed load), so that the same request may well
// succeed a moment later.
func transient(err error) bool {
	return utilnet.IsConnectionRefused(err) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err) ||
		errors.Is(err, io.ErrUnexpectedEOF) || apierrors.IsServiceUnavailable(err) || apierrors.IsServerTimeout(err) ||
		apierrors.IsTimeout(err) || apierrors.IsTooManyRequests(err)
}

// transientBackoff spaces the retries: 200ms, doubling up to 5s between tries.
var transientBackoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Cap: 5 * time.Second, Steps: math.MaxInt32}

// retryTransient runs change until it succeeds, fails for a reason a retry cannot mend, ctx
// ends or transientRetryFor has passed. Every change a rotation makes can be made twice
// (patches that set values, deletes that accept NotFound), so a request that reached the API
// server but whose answer was lost is safe to repeat.
func (r *Rotator) retryTransient(ctx context.Context, what string, change func() error) error {
	giveUp := r.now().Add(transientRetryFor)
	var last error
	err := wait.ExponentialBackoffWithContext(ctx, transientBackoff, func(context.Context) (bool, error) {
		last = change()
		if last == nil || !transient(last) || r.now().After(giveUp) {
			return true, nil
		}
		r.say("", "%s: the API server did not take the change (%v); retrying", what, last)
		return false, nil
	})
	if last == nil && err != nil {
		return err
	}
	return last
}

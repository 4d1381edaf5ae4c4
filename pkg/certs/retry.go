package certs

import (
	"context"
	"errors"
	"io"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
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

// retryTransient runs change until it succeeds, fails for a reason a retry cannot mend, ctx
// ends or transientRetryFor has passed. Every change a rotation makes can be made twice
// (patches that set values, deletes that accept NotFound), so a request that reached the API
// server but whose answer was lost is safe to repeat.
func (r *Rotator) retryTransient(ctx context.Context, what string, change func() error) error {
	giveUp := r.now().Add(transientRetryFor)
	delay := 200 * time.Millisecond
	for {
		err := change()
		if err == nil || !transient(err) || ctx.Err() != nil || r.now().After(giveUp) {
			return err
		}
		r.say("", "%s: the API server did not take the change (%v); retrying", what, err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

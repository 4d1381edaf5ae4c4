package certs

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// PortForwardDialer reaches a pod's port through the API server's pods/portforward subresource,
// as `kubectl port-forward` does, but hands the stream to the caller instead of a local
// listener: nothing listens on the user's machine and the TLS handshake is the caller's own.
// It speaks SPDY, which every API server this tool supports accepts; kubectl's WebSocket
// tunnel would add a second protocol for no gain here.
type PortForwardDialer struct {
	// ConfigFunc gives the session's client configuration (the Factory's RESTConfig).
	ConfigFunc func() (*rest.Config, error)
	Client     kubernetes.Interface
}

// DialPod opens one stream to ns/pod:port. Closing the returned conn ends the SPDY connection.
func (d *PortForwardDialer) DialPod(ctx context.Context, ns, pod string, port int32) (net.Conn, error) {
	cfg, err := d.ConfigFunc()
	if err != nil {
		return nil, err
	}
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return nil, err
	}
	url := d.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, url)
	type dialed struct {
		conn httpstream.Connection
		err  error
	}
	done := make(chan dialed, 1)
	go func() {
		c, _, err := dialer.Dial(portforward.PortForwardProtocolV1Name)
		done <- dialed{c, err}
	}()
	var conn httpstream.Connection
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("opening pods/portforward to %s/%s: %w", ns, pod, r.err)
		}
		conn = r.conn
	case <-ctx.Done():
		go func() {
			if r := <-done; r.conn != nil {
				_ = r.conn.Close()
			}
		}()
		return nil, ctx.Err()
	}
	headers := http.Header{}
	headers.Set(corev1.StreamType, corev1.StreamTypeError)
	headers.Set(corev1.PortHeader, strconv.Itoa(int(port)))
	headers.Set(corev1.PortForwardRequestIDHeader, "0")
	errStream, err := conn.CreateStream(headers)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	// Nothing is written to the error stream; the kubelet writes why a forward failed.
	_ = errStream.Close()
	headers.Set(corev1.StreamType, corev1.StreamTypeData)
	data, err := conn.CreateStream(headers)
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	sc := &streamConn{conn: conn, data: data, remoteErr: make(chan struct{})}
	go func() {
		msg, _ := io.ReadAll(errStream)
		if len(msg) > 0 {
			sc.mu.Lock()
			sc.err = fmt.Errorf("the node refused the forward: %s", msg)
			sc.mu.Unlock()
			close(sc.remoteErr)
			// The data stream would otherwise wait forever for bytes that never come.
			_ = data.Reset()
		}
	}()
	return sc, nil
}

// streamConn is a port-forward data stream seen as a net.Conn, for crypto/tls. Deadlines are
// not supported by the stream; the caller bounds the handshake with a context instead, which
// tls.Conn.HandshakeContext honours by closing the conn.
type streamConn struct {
	conn      httpstream.Connection
	data      httpstream.Stream
	remoteErr chan struct{}
	mu        sync.Mutex
	err       error
	closeOnce sync.Once
}

func (c *streamConn) Read(p []byte) (int, error) {
	n, err := c.data.Read(p)
	if err != nil {
		if e := c.remote(); e != nil {
			return n, e
		}
	}
	return n, err
}

func (c *streamConn) Write(p []byte) (int, error) {
	n, err := c.data.Write(p)
	if err != nil {
		if e := c.remote(); e != nil {
			return n, e
		}
	}
	return n, err
}

func (c *streamConn) remote() error {
	select {
	case <-c.remoteErr:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.err
	default:
		return nil
	}
}

func (c *streamConn) Close() error {
	c.closeOnce.Do(func() {
		_ = c.data.Reset()
		_ = c.conn.Close()
	})
	return nil
}

func (c *streamConn) LocalAddr() net.Addr                { return pfAddr{} }
func (c *streamConn) RemoteAddr() net.Addr               { return pfAddr{} }
func (c *streamConn) SetDeadline(_ time.Time) error      { return nil }
func (c *streamConn) SetReadDeadline(_ time.Time) error  { return nil }
func (c *streamConn) SetWriteDeadline(_ time.Time) error { return nil }

type pfAddr struct{}

func (pfAddr) Network() string { return "portforward" }
func (pfAddr) String() string  { return "pods/portforward" }

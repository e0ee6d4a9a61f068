package otelcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

// serverErr stands in for a Redis error reply (go-redis' proto.RedisError).
type serverErr string

func (e serverErr) Error() string { return string(e) }
func (serverErr) RedisError()     {}

var _ redis.Error = serverErr("")

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	decode := func(cause error) error { return &runtime.DecodeError{Key: "k", Err: cause} }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{runtime.ErrMiss, ""},
		{fmt.Errorf("x: %w", runtime.ErrMiss), ""},
		{runtime.ErrNotFound, ""},
		{runtime.ErrDecode, "decode"},
		{decode(errors.New("msgpack: invalid code c1")), "decode"},
		{decode(runtime.ErrInvalidToken), "invalid_token"},
		{runtime.ErrInvalidToken, "invalid_token"},
		{errors.Join(fmt.Errorf("a: %w", decode(io.ErrUnexpectedEOF))), "decode"},
		{runtime.ErrClosed, "closed"},
		{redis.ErrClosed, "closed"},
		{context.Canceled, "canceled"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "timeout"},
		{redis.ErrPoolTimeout, "timeout"},
		{&net.OpError{Op: "read", Net: "tcp", Err: timeoutErr{}}, "timeout"},
		{serverErr("WRONGTYPE Operation against a key holding the wrong kind of value"), "redis"},
		{fmt.Errorf("k: %w", serverErr("OOM command not allowed")), "redis"},
		{refused, "redis"},
		{io.EOF, "redis"},
		{redis.ErrPoolExhausted, "redis"},
		{errors.New("loader: database is down"), "other"},
	} {
		if got := errKindNames[classify(tc.err)]; got != tc.want {
			t.Errorf("classify(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

package engine

import (
	"context"
	"sync"
)

// flightGroup runs one call per key at a time and hands its result to every
// caller waiting for it, like golang.org/x/sync/singleflight, plus what
// singleflight cannot tell a call: whether anyone is still waiting. Each call
// gets a context that is cancelled when its last waiter gives up, so a call
// that is only waiting (for another process's lock) stops instead of being
// pinned for the lock's whole TTL; work that produces a value for the cache
// runs on context.WithoutCancel of it and is never cut short by a caller.
type flightGroup struct {
	mu sync.Mutex
	m  map[string]*flightCall
}

type flightCall struct {
	done    chan struct{}
	val     []byte
	err     error
	waiters int
	cancel  context.CancelFunc
}

// do joins the running call for key or starts fn in a new goroutine, and
// waits for its result or for ctx. The first caller's context values (not
// its cancellation) are what fn's context carries.
func (g *flightGroup) do(ctx context.Context, key string, fn func(waiting context.Context) ([]byte, error)) ([]byte, error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = make(map[string]*flightCall)
	}
	c, ok := g.m[key]
	if !ok {
		var wctx context.Context
		wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &flightCall{done: make(chan struct{}), cancel: cancel}
		g.m[key] = c
		go g.run(wctx, key, c, fn)
	}
	c.waiters++
	g.mu.Unlock()
	select {
	case <-c.done:
		return c.val, c.err
	case <-ctx.Done():
		g.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			// Nobody waits any more: stop the waiting part of the call, and
			// let a later caller start afresh rather than join a call whose
			// waiting has been cut short.
			c.cancel()
			if g.m[key] == c {
				delete(g.m, key)
			}
		}
		g.mu.Unlock()
		return nil, ctx.Err()
	}
}

func (g *flightGroup) run(ctx context.Context, key string, c *flightCall, fn func(context.Context) ([]byte, error)) {
	defer func() {
		g.mu.Lock()
		if g.m[key] == c {
			delete(g.m, key)
		}
		g.mu.Unlock()
		c.cancel()
		close(c.done)
	}()
	c.val, c.err = fn(ctx)
}

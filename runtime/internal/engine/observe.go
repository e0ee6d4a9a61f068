package engine

import (
	"context"
	"errors"
	"time"
)

// Observer receives one Event per cache operation, after it completes: the
// hook for metrics (see the otelcache module for OpenTelemetry). It is
// called on the caller's goroutine and must be cheap and safe for
// concurrent use.
type Observer interface {
	Observe(ctx context.Context, ev Event)
}

// Event describes one finished operation.
type Event struct {
	Cache    string        // the cache's name: the generated type, or WithName
	Op       string        // "get", "set", "remove", "get_many", "set_many", "get_or_load", "get_many_or_load"; "fence" (a load's fence failed), "refresh" (a background reload failed)
	Hits     int           // values found and decoded (near-cache hits included)
	Misses   int           // keys absent
	Errors   int           // values that failed to decode, or 1 for a failed command
	Duration time.Duration // wall time of the operation
	Err      error         // what the caller got (nil, ErrMiss, ...)
}

// WithObserver reports every operation to o.
func WithObserver(o Observer) Option { return func(c *config) { c.observer = o } }

// WithName names a runtime cache in Events (typed caches use their type name).
func WithName(name string) Option { return func(c *config) { c.name = name } }

// observe reports a single-key operation's outcome.
func (b *base) observe(ctx context.Context, op string, start time.Time, err error) {
	ev := Event{Cache: b.name, Op: op, Duration: time.Since(start), Err: err}
	var fo *failedOpen
	switch {
	case errors.As(err, &fo):
		ev.Errors = 1 // a Redis error the caller sees as a miss
	case err == nil:
		if op == "get" || op == "get_or_load" {
			ev.Hits = 1
		}
	case errors.Is(err, ErrMiss):
		ev.Misses = 1
	case errors.Is(err, ErrNotFound):
		ev.Hits = 1
	default:
		ev.Errors = 1
	}
	b.observer.Observe(ctx, ev)
}

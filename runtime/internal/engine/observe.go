package engine

import (
	"context"
	"errors"
	"time"
)

// Observer and Event are runtime's (documented there), which adapts its
// Observer to this one and converts the Event: the structs must keep the
// same fields.
type Observer interface {
	Observe(ctx context.Context, ev Event)
}

// Event describes one finished operation (see runtime.Event).
type Event struct {
	Cache, Op            string
	Hits, Misses, Errors int
	Duration             time.Duration
	Err                  error
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

package runtime

import (
	"context"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/engine"
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
func WithObserver(o Observer) Option { return Option(engine.WithObserver(observer{o})) }

// observer hands the engine's events to an Observer.
type observer struct{ o Observer }

func (a observer) Observe(ctx context.Context, ev engine.Event) { a.o.Observe(ctx, Event(ev)) }

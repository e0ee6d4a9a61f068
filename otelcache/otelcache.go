package otelcache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/cachegen/cachegen/runtime"
)

// ScopeName is the instrumentation scope name to pass to
// MeterProvider.Meter when getting the meter for New.
const ScopeName = "github.com/cachegen/cachegen/otelcache"

// Instrument names, units and attribute keys.
const (
	HitsName     = "cachegen.hits"
	MissesName   = "cachegen.misses"
	ErrorsName   = "cachegen.errors"
	DurationName = "cachegen.operation.duration"

	CacheNameKey = attribute.Key("cache.name")      // Event.Cache
	OperationKey = attribute.Key("cache.operation") // Event.Op
	ErrorTypeKey = attribute.Key("error.type")      // one of the ErrorType* values
)

// The values of error.type. The set is fixed, so the attribute's
// cardinality stays bounded whatever the errors say.
const (
	ErrorTypeInvalidToken = "invalid_token" // a crypt value failed authentication (runtime.ErrInvalidToken)
	ErrorTypeDecode       = "decode"        // stored bytes did not decode (runtime.ErrDecode)
	ErrorTypeClosed       = "closed"        // the cache or its Redis client was closed
	ErrorTypeCanceled     = "canceled"      // the caller's context was canceled
	ErrorTypeTimeout      = "timeout"       // a deadline passed (context or network)
	ErrorTypeRedis        = "redis"         // an error reply from Redis, or a connection failure
	ErrorTypeOther        = "other"         // anything else (a loader's error, a bad TTL, ...)
)

// errKind indexes the precomputed attribute sets; noErr is an operation
// that did not fail.
type errKind uint8

const (
	noErr errKind = iota
	errInvalidToken
	errDecode
	errClosed
	errCanceled
	errTimeout
	errRedis
	errOther
	numErrKinds
)

var errKindNames = [numErrKinds]string{
	errInvalidToken: ErrorTypeInvalidToken,
	errDecode:       ErrorTypeDecode,
	errClosed:       ErrorTypeClosed,
	errCanceled:     ErrorTypeCanceled,
	errTimeout:      ErrorTypeTimeout,
	errRedis:        ErrorTypeRedis,
	errOther:        ErrorTypeOther,
}

// durationBuckets are the histogram's default bucket boundaries, in
// seconds: from 100µs (a near-cache or pipelined hit) up to 10s. A View
// configured on the MeterProvider overrides them.
var durationBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// Option configures an Observer.
type Option func(*config)

type config struct {
	attrs []attribute.KeyValue
}

// WithAttributes adds attrs to every measurement the Observer records (for
// example a deployment or region). Keep them few and of bounded
// cardinality. cache.name, cache.operation and error.type always take the
// values of the Event: an attribute given here with one of those keys is
// overridden.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// Observer records cachegen runtime Events as OpenTelemetry metrics. Pass it
// to runtime.WithObserver (or a generated cache's constructor options). It
// is safe for concurrent use.
type Observer struct {
	hits, misses, errors metric.Int64Counter
	duration             metric.Float64Histogram
	attrs                []attribute.KeyValue
	sets                 sync.Map // setKey -> *attrSets
}

var _ runtime.Observer = (*Observer)(nil)

type setKey struct{ cache, op string }

// attrSets holds the measurement options for one (cache, op), built once:
// recording then allocates no attribute set.
type attrSets struct {
	add [numErrKinds][]metric.AddOption    // [noErr]: without error.type
	rec [numErrKinds][]metric.RecordOption // likewise, for the histogram
}

// New creates the instruments on meter and returns an Observer recording
// into them:
//
//   - cachegen.hits, cachegen.misses, cachegen.errors: Int64Counters, unit
//     "{key}", adding Event.Hits, Event.Misses and Event.Errors;
//   - cachegen.operation.duration: a Float64Histogram, unit "s", recording
//     Event.Duration once per operation.
//
// Every measurement has cache.name and cache.operation. The errors counter,
// and the histogram for a failed operation, also have error.type (see the
// ErrorType* constants); a miss (runtime.ErrMiss) and a loader's
// runtime.ErrNotFound are answers, not failures, and have none.
//
// A nil meter is an error; get one from a MeterProvider with
// provider.Meter(ScopeName).
func New(meter metric.Meter, opts ...Option) (*Observer, error) {
	if meter == nil {
		return nil, errors.New("otelcache: nil meter")
	}
	var cfg config
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	o := &Observer{attrs: cfg.attrs}
	var err error
	var errs []error
	o.hits, err = meter.Int64Counter(HitsName,
		metric.WithUnit("{key}"),
		metric.WithDescription("Keys found and decoded by cachegen caches (near-cache hits included)."))
	errs = append(errs, err)
	o.misses, err = meter.Int64Counter(MissesName,
		metric.WithUnit("{key}"),
		metric.WithDescription("Keys absent from cachegen caches."))
	errs = append(errs, err)
	o.errors, err = meter.Int64Counter(ErrorsName,
		metric.WithUnit("{key}"),
		metric.WithDescription("Values that failed to decode, or failed commands, in cachegen caches."))
	errs = append(errs, err)
	o.duration, err = meter.Float64Histogram(DurationName,
		metric.WithUnit("s"),
		metric.WithDescription("Duration of cachegen cache operations."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("otelcache: %w", err)
	}
	return o, nil
}

// Observe records ev. It implements runtime.Observer.
func (o *Observer) Observe(ctx context.Context, ev runtime.Event) {
	s := o.setsFor(ev.Cache, ev.Op)
	kind := classify(ev.Err)
	if ev.Hits > 0 {
		o.hits.Add(ctx, int64(ev.Hits), s.add[noErr]...)
	}
	if ev.Misses > 0 {
		o.misses.Add(ctx, int64(ev.Misses), s.add[noErr]...)
	}
	if ev.Errors > 0 {
		k := kind
		if k == noErr {
			k = errOther // every errors point carries an error.type
		}
		o.errors.Add(ctx, int64(ev.Errors), s.add[k]...)
	}
	o.duration.Record(ctx, ev.Duration.Seconds(), s.rec[kind]...)
}

func (o *Observer) setsFor(cache, op string) *attrSets {
	k := setKey{cache, op}
	if v, ok := o.sets.Load(k); ok {
		return v.(*attrSets)
	}
	s := new(attrSets)
	kvs := make([]attribute.KeyValue, 0, len(o.attrs)+3)
	kvs = append(kvs, o.attrs...)
	kvs = append(kvs, CacheNameKey.String(cache), OperationKey.String(op))
	for kind := range numErrKinds {
		all := kvs
		if kind != noErr {
			all = append(kvs[:len(kvs):len(kvs)], ErrorTypeKey.String(errKindNames[kind]))
		}
		// NewSet keeps the last value of a repeated key, so the Event's
		// attributes win over WithAttributes.
		opt := metric.WithAttributeSet(attribute.NewSet(all...))
		s.add[kind] = []metric.AddOption{opt}
		s.rec[kind] = []metric.RecordOption{opt}
	}
	v, _ := o.sets.LoadOrStore(k, s)
	return v.(*attrSets)
}

// classify maps an operation's error onto the fixed error.type set. The
// order matters: an invalid token also matches runtime.ErrDecode.
func classify(err error) errKind {
	switch {
	case err == nil, errors.Is(err, runtime.ErrMiss), errors.Is(err, runtime.ErrNotFound):
		return noErr
	case errors.Is(err, runtime.ErrInvalidToken):
		return errInvalidToken
	case errors.Is(err, runtime.ErrDecode):
		return errDecode
	case errors.Is(err, runtime.ErrClosed), errors.Is(err, redis.ErrClosed):
		return errClosed
	case errors.Is(err, context.Canceled):
		return errCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, redis.ErrPoolTimeout):
		return errTimeout
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return errRedis
	}
	var nerr net.Error
	if errors.As(err, &nerr) {
		if nerr.Timeout() {
			return errTimeout
		}
		return errRedis
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, redis.ErrPoolExhausted) {
		return errRedis
	}
	return errOther
}

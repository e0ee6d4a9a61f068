package otelcache_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/cachegen/cachegen/otelcache"
	"github.com/cachegen/cachegen/runtime"
)

// harness is an Observer on an SDK MeterProvider read by a ManualReader.
type harness struct {
	t      *testing.T
	reader *sdkmetric.ManualReader
	obs    *otelcache.Observer
}

func newHarness(t *testing.T, opts ...otelcache.Option) *harness {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })
	obs, err := otelcache.New(provider.Meter(otelcache.ScopeName), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, reader: reader, obs: obs}
}

// snapshot is what was collected, keyed "name{k=v,...}" with the attribute
// set in its canonical (sorted) encoding.
type snapshot struct {
	sums   map[string]int64  // counters' values
	counts map[string]uint64 // histograms' counts
	hist   map[string]metricdata.HistogramDataPoint[float64]
	units  map[string]string
}

func (h *harness) collect() snapshot {
	h.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		h.t.Fatal(err)
	}
	s := snapshot{
		sums:   map[string]int64{},
		counts: map[string]uint64{},
		hist:   map[string]metricdata.HistogramDataPoint[float64]{},
		units:  map[string]string{},
	}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelcache.ScopeName {
			h.t.Errorf("scope %q, want %q", sm.Scope.Name, otelcache.ScopeName)
		}
		for _, m := range sm.Metrics {
			s.units[m.Name] = m.Unit
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if !d.IsMonotonic || d.Temporality != metricdata.CumulativeTemporality {
					h.t.Errorf("%s: monotonic=%v temporality=%v", m.Name, d.IsMonotonic, d.Temporality)
				}
				for _, p := range d.DataPoints {
					s.sums[series(m.Name, p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					k := series(m.Name, p.Attributes)
					s.counts[k] = p.Count
					s.hist[k] = p
				}
			default:
				h.t.Errorf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return s
}

func series(name string, attrs attribute.Set) string {
	return name + "{" + attrs.Encoded(attribute.DefaultEncoder()) + "}"
}

func sameMap[V comparable](t *testing.T, what string, got, want map[string]V) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok || g != want[k] {
			t.Errorf("%s %s = %v (present %v), want %v", what, k, g, ok, want[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected series %s = %v", what, k, got[k])
		}
	}
}

func TestObserveDirect(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	decodeErr := &runtime.DecodeError{Key: "k", Err: errors.New("secret value text")}
	events := []runtime.Event{
		{Cache: "users", Op: "get", Hits: 1, Duration: 2 * time.Millisecond},
		{Cache: "users", Op: "get", Hits: 1, Duration: 3 * time.Millisecond},
		{Cache: "users", Op: "get", Misses: 1, Err: runtime.ErrMiss, Duration: time.Millisecond},
		{Cache: "users", Op: "get", Errors: 1, Err: decodeErr, Duration: time.Millisecond},
		{Cache: "users", Op: "set", Duration: time.Millisecond},
		{Cache: "users", Op: "get_many", Hits: 5, Misses: 2, Duration: time.Millisecond},
		{Cache: "users", Op: "get_many", Hits: 3, Misses: 1, Errors: 1,
			Err: errors.Join(fmt.Errorf("k1: %w", decodeErr)), Duration: time.Millisecond},
		{Cache: "users", Op: "get_or_load", Hits: 1, Err: runtime.ErrNotFound, Duration: time.Millisecond},
		{Cache: "sessions", Op: "get", Errors: 1, Err: fmt.Errorf("wrapped: %w", runtime.ErrClosed)},
		{Cache: "sessions", Op: "get", Errors: 1, Err: &runtime.DecodeError{Key: "k", Err: runtime.ErrInvalidToken}},
		{Cache: "sessions", Op: "set", Errors: 1, Err: errors.New("cachegen: negative ttl -1s")},
		// Errors without an error to classify still get an error.type.
		{Cache: "sessions", Op: "get", Errors: 2},
	}
	for _, ev := range events {
		h.obs.Observe(ctx, ev)
	}
	s := h.collect()

	for _, name := range []string{otelcache.HitsName, otelcache.MissesName, otelcache.ErrorsName} {
		if s.units[name] != "{key}" {
			t.Errorf("%s unit %q, want {key}", name, s.units[name])
		}
	}
	if s.units[otelcache.DurationName] != "s" {
		t.Errorf("duration unit %q, want s", s.units[otelcache.DurationName])
	}

	sameMap(t, "counter", s.sums, map[string]int64{
		"cachegen.hits{cache.name=users,cache.operation=get}":                               2,
		"cachegen.hits{cache.name=users,cache.operation=get_many}":                          8,
		"cachegen.hits{cache.name=users,cache.operation=get_or_load}":                       1,
		"cachegen.misses{cache.name=users,cache.operation=get}":                             1,
		"cachegen.misses{cache.name=users,cache.operation=get_many}":                        3,
		"cachegen.errors{cache.name=users,cache.operation=get,error.type=decode}":           1,
		"cachegen.errors{cache.name=users,cache.operation=get_many,error.type=decode}":      1,
		"cachegen.errors{cache.name=sessions,cache.operation=get,error.type=closed}":        1,
		"cachegen.errors{cache.name=sessions,cache.operation=get,error.type=invalid_token}": 1,
		"cachegen.errors{cache.name=sessions,cache.operation=set,error.type=other}":         1,
		"cachegen.errors{cache.name=sessions,cache.operation=get,error.type=other}":         2,
	})
	sameMap(t, "histogram count", s.counts, map[string]uint64{
		"cachegen.operation.duration{cache.name=users,cache.operation=get}":                             3,
		"cachegen.operation.duration{cache.name=users,cache.operation=get,error.type=decode}":           1,
		"cachegen.operation.duration{cache.name=users,cache.operation=set}":                             1,
		"cachegen.operation.duration{cache.name=users,cache.operation=get_many}":                        1,
		"cachegen.operation.duration{cache.name=users,cache.operation=get_many,error.type=decode}":      1,
		"cachegen.operation.duration{cache.name=users,cache.operation=get_or_load}":                     1,
		"cachegen.operation.duration{cache.name=sessions,cache.operation=get,error.type=closed}":        1,
		"cachegen.operation.duration{cache.name=sessions,cache.operation=get,error.type=invalid_token}": 1,
		"cachegen.operation.duration{cache.name=sessions,cache.operation=set,error.type=other}":         1,
		"cachegen.operation.duration{cache.name=sessions,cache.operation=get}":                          1,
	})

	// Durations are recorded in seconds, into second-scaled buckets.
	p := s.hist["cachegen.operation.duration{cache.name=users,cache.operation=get}"]
	if got, want := p.Sum, 0.006; got < want-1e-9 || got > want+1e-9 {
		t.Errorf("get duration sum %v s, want %v s", got, want)
	}
	if len(p.Bounds) == 0 || p.Bounds[0] != 0.0001 || p.Bounds[len(p.Bounds)-1] != 10 {
		t.Errorf("bucket bounds %v, want 0.0001 .. 10", p.Bounds)
	}

	// The error's text never reaches an attribute.
	for k := range s.sums {
		if strings.Contains(k, "secret") || strings.Contains(k, "ttl") {
			t.Errorf("error text leaked into %s", k)
		}
	}
}

func TestWithAttributes(t *testing.T) {
	h := newHarness(t,
		otelcache.WithAttributes(attribute.String("deployment.environment", "test")),
		otelcache.WithAttributes(attribute.String("cache.name", "ignored"), attribute.Int("shard", 3)))
	ctx := context.Background()
	h.obs.Observe(ctx, runtime.Event{Cache: "users", Op: "get", Hits: 1})
	h.obs.Observe(ctx, runtime.Event{Cache: "users", Op: "get", Errors: 1, Err: runtime.ErrDecode})
	s := h.collect()
	sameMap(t, "counter", s.sums, map[string]int64{
		"cachegen.hits{cache.name=users,cache.operation=get,deployment.environment=test,shard=3}":                     1,
		"cachegen.errors{cache.name=users,cache.operation=get,deployment.environment=test,error.type=decode,shard=3}": 1,
	})
	sameMap(t, "histogram count", s.counts, map[string]uint64{
		"cachegen.operation.duration{cache.name=users,cache.operation=get,deployment.environment=test,shard=3}":                   1,
		"cachegen.operation.duration{cache.name=users,cache.operation=get,deployment.environment=test,error.type=decode,shard=3}": 1,
	})
}

func TestNew(t *testing.T) {
	if _, err := otelcache.New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := otelcache.New(failingMeter{}); err == nil || !strings.Contains(err.Error(), "no histogram") {
		t.Errorf("New with a failing meter: %v", err)
	}
	if _, err := otelcache.New(noop.NewMeterProvider().Meter("x"), nil); err != nil {
		t.Errorf("New with a nil option: %v", err)
	}
}

type failingMeter struct{ noop.Meter }

func (failingMeter) Float64Histogram(string, ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	return nil, errors.New("no histogram")
}

func TestConcurrentObserve(t *testing.T) {
	h := newHarness(t)
	const goroutines, per = 8, 500
	ops := []string{"get", "set", "get_many", "remove"}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			ctx := context.Background()
			for i := range per {
				op := ops[(g+i)%len(ops)]
				h.obs.Observe(ctx, runtime.Event{Cache: "c", Op: op, Hits: 1, Misses: 2, Duration: time.Microsecond})
			}
		})
	}
	wg.Wait()
	s := h.collect()
	want := goroutines * per / len(ops)
	for _, op := range ops {
		if got := s.sums["cachegen.hits{cache.name=c,cache.operation="+op+"}"]; got != int64(want) {
			t.Errorf("hits %s = %d, want %d", op, got, want)
		}
		if got := s.sums["cachegen.misses{cache.name=c,cache.operation="+op+"}"]; got != 2*int64(want) {
			t.Errorf("misses %s = %d, want %d", op, got, 2*want)
		}
		if got := s.counts["cachegen.operation.duration{cache.name=c,cache.operation="+op+"}"]; got != uint64(want) {
			t.Errorf("duration count %s = %d, want %d", op, got, want)
		}
	}
}

// Observe itself allocates nothing once a (cache, op) has been seen: with a
// no-op meter every allocation would be the Observer's own.
func TestObserveAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	obs, err := otelcache.New(noop.NewMeterProvider().Meter(otelcache.ScopeName))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cache, op := strings.Clone("users"), strings.Clone("get_many")
	decodeErr := &runtime.DecodeError{Key: "k", Err: runtime.ErrInvalidToken}
	evs := []runtime.Event{
		{Cache: cache, Op: op, Hits: 3, Misses: 1, Duration: time.Millisecond},
		{Cache: cache, Op: op, Hits: 1, Errors: 1, Err: decodeErr, Duration: time.Millisecond},
		{Cache: cache, Op: op, Misses: 1, Err: runtime.ErrMiss},
	}
	for _, ev := range evs {
		obs.Observe(ctx, ev)
	}
	for _, ev := range evs {
		if n := testing.AllocsPerRun(200, func() { obs.Observe(ctx, ev) }); n != 0 {
			t.Errorf("Observe(%+v) allocates %v times, want 0", ev, n)
		}
	}
}

func BenchmarkObserve(b *testing.B) {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())
	obs, err := otelcache.New(provider.Meter(otelcache.ScopeName))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	ev := runtime.Event{Cache: "users", Op: "get", Hits: 1, Duration: 300 * time.Microsecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			obs.Observe(ctx, ev)
		}
	})
}

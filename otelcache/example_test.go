package otelcache_test

import (
	"context"
	"fmt"
	"log"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/cachegen/cachegen/otelcache"
	"github.com/cachegen/cachegen/runtime"
)

func Example() {
	ctx := context.Background()

	// In a service the provider has an exporter (OTLP, Prometheus, ...) and
	// is usually otel.GetMeterProvider(); a ManualReader lets the example
	// print what was recorded.
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(ctx)

	obs, err := otelcache.New(provider.Meter(otelcache.ScopeName))
	if err != nil {
		log.Fatal(err)
	}

	srv, err := miniredis.Run() // any Redis; an in-process one for the example
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()

	sessions := runtime.NewRedisCache(rdb,
		runtime.WithPrefix("session:"),
		runtime.WithName("sessions"),
		runtime.WithObserver(obs))

	var user string
	_ = sessions.Set(ctx, "abc", "alice", 0)
	_ = sessions.Get(ctx, "abc", &user)  // hit
	_ = sessions.Get(ctx, "nope", &user) // miss

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range d.DataPoints {
				op, _ := p.Attributes.Value(otelcache.OperationKey)
				fmt.Printf("%s{cache.operation=%s} %d\n", m.Name, op.AsString(), p.Value)
			}
		case metricdata.Histogram[float64]:
			var n uint64
			for _, p := range d.DataPoints {
				n += p.Count
			}
			fmt.Printf("%s: %d operations\n", m.Name, n)
		}
	}
	// Output:
	// cachegen.hits{cache.operation=get} 1
	// cachegen.misses{cache.operation=get} 1
	// cachegen.operation.duration: 3 operations
}

package cacheimpl_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// TestGetManyOrLoadTenants (issue 14): a composite-key batch across six
// tenants (six hash slots, three masters on the cluster): one loader call
// with exactly the deduplicated misses in first-seen order, hits and loaded
// values returned, loaded values stored with the default TTL, keys the
// loader leaves out absent and not cached, unasked keys ignored.
func TestGetManyOrLoadTenants(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c, err := cacheimpl.New(rdb, orderSpec())
		must(t, err)
		var ks []OrderKey
		for tenant := range 6 {
			for id := range 4 {
				ks = append(ks, OrderKey{fmt.Sprintf("t%d", tenant), uint32(id)})
			}
		}
		var cached []*Order
		for i, k := range ks {
			if i%2 == 0 {
				cached = append(cached, &Order{TenantID: k.TenantID, ID: k.ID, Owner: &Owner{"o"}, Total: -1})
			}
		}
		must(t, c.SetMany(ctx, cached))
		ask := append(slices.Clone(ks), ks[1], ks[3], OrderKey{"gone", 9}) // duplicates and one the loader leaves out
		var calls [][]OrderKey
		got, err := c.GetManyOrLoad(ctx, ask, func(_ context.Context, missing []OrderKey) (map[OrderKey]*Order, error) {
			calls = append(calls, missing)
			m := map[OrderKey]*Order{{"unasked", 1}: {TenantID: "unasked", ID: 1, Owner: &Owner{}}}
			for _, k := range missing {
				if k.TenantID != "gone" {
					m[k] = &Order{TenantID: k.TenantID, ID: k.ID, Owner: &Owner{"o"}, Total: int64(k.ID)}
				}
			}
			return m, nil
		})
		must(t, err)
		var want []OrderKey
		for i, k := range ks {
			if i%2 == 1 {
				want = append(want, k)
			}
		}
		want = append(want, OrderKey{"gone", 9})
		if len(calls) != 1 || !slices.Equal(calls[0], want) {
			t.Fatalf("loader calls %v, want one with %v", calls, want)
		}
		if len(got) != len(ks) {
			t.Fatalf("%d results, want %d", len(got), len(ks))
		}
		for i, k := range ks {
			o := got[k]
			if o == nil || i%2 == 0 && o.Total != -1 || i%2 == 1 && o.Total != int64(k.ID) {
				t.Fatalf("%+v = %+v", k, o)
			}
			if i%2 == 1 {
				if d, err := c.TTL(ctx, k); err != nil || d < 59*time.Minute {
					t.Fatalf("%+v stored with TTL %v, %v; want the default hour", k, d, err)
				}
			}
		}
		for _, k := range []OrderKey{{"gone", 9}, {"unasked", 1}} {
			if ok, _ := c.Has(ctx, k); ok {
				t.Fatalf("%+v cached", k)
			}
		}
	})
}

// TestGetManyOrLoadRemoveWins (issue 14): a Remove by another client
// during the batch load wins for that key; the batch's other keys are
// stored. The loader's error case returns the hits and stores nothing.
func TestGetManyOrLoadRemoveWins(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c, err := cacheimpl.New(rdb, orderSpec())
		must(t, err)
		other, err := cacheimpl.New(rdb, orderSpec())
		must(t, err)
		ks := []OrderKey{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}}
		got, err := c.GetManyOrLoad(ctx, ks, func(_ context.Context, missing []OrderKey) (map[OrderKey]*Order, error) {
			if _, err := other.Remove(ctx, ks[1]); err != nil {
				return nil, err
			}
			m := map[OrderKey]*Order{}
			for _, k := range missing {
				m[k] = &Order{TenantID: k.TenantID, ID: k.ID, Owner: &Owner{}}
			}
			return m, nil
		})
		must(t, err)
		if len(got) != 4 {
			t.Fatalf("%d results", len(got))
		}
		for i, k := range ks {
			ok, err := c.Has(ctx, k)
			must(t, err)
			if ok == (i == 1) {
				t.Fatalf("%+v cached = %v; the removed key must not be, the others must", k, ok)
			}
		}
		boom := errors.New("db down")
		more := []OrderKey{ks[0], {"e", 5}}
		got, err = c.GetManyOrLoad(ctx, more, func(context.Context, []OrderKey) (map[OrderKey]*Order, error) {
			return map[OrderKey]*Order{{"e", 5}: {TenantID: "e", ID: 5, Owner: &Owner{}}}, boom
		})
		if !errors.Is(err, boom) || len(got) != 1 || got[ks[0]] == nil {
			t.Fatalf("loader error: %v, %v; want the one hit and the error", got, err)
		}
		if ok, _ := c.Has(ctx, OrderKey{"e", 5}); ok {
			t.Fatal("a failed load's partial result was stored")
		}
	})
}

// TestGetManyOrLoadOverrideTTL: the batch loader's OverrideTTL is the
// stored TTL.
func TestGetManyOrLoadOverrideTTL(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c, err := cacheimpl.New(rdb, userSpec(), runtime.WithTTL(time.Hour))
		must(t, err)
		_, err = c.GetManyOrLoad(ctx, []int64{1, 2}, func(ctx context.Context, ids []int64) (map[int64]*User, error) {
			runtime.OverrideTTL(ctx, 90*time.Second)
			m := map[int64]*User{}
			for _, id := range ids {
				m[id] = &User{ID: id}
			}
			return m, nil
		})
		must(t, err)
		for _, id := range []int64{1, 2} {
			if d, err := c.TTL(ctx, id); err != nil || d > 90*time.Second || d < time.Minute {
				t.Fatalf("id %d: TTL %v, %v; want the 90s override", id, d, err)
			}
		}
	})
}

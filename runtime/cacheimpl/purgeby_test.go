package cacheimpl_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// invoiceSpec is a sibling cache in the same tenant hash tag:
// //cache:key=tenant:{<TenantID>}:invoice:<ID>.
func invoiceSpec() *cacheimpl.Spec[OrderKey, Order] {
	s := orderSpec()
	s.Name = "InvoiceCache"
	s.Pattern, s.AllPattern = "tenant:{*}:invoice:*:v0000002", "tenant:{*}:invoice:*"
	s.Match = `tenant:\{(?:[^\%\:\{\}]|%[0-9A-Fa-f]{2})*\}:invoice:(?:[0-9]+):v0000002`
	s.AllMatch = `tenant:\{(?:[^\%\:\{\}]|%[0-9A-Fa-f]{2})*\}:invoice:(?:[0-9]+)(?::v[0-9a-f]{7})?`
	s.Key = func(k OrderKey) string {
		return "tenant:{" + cacheimpl.Escape(k.TenantID, "") + "}:invoice:" + strconv.FormatUint(uint64(k.ID), 10) + ":v0000002"
	}
	return s
}

// acctSpec has no hash tag: //cache:key=acct:<TenantID>:item:<ID>.
func acctSpec() *cacheimpl.Spec[OrderKey, Order] {
	s := orderSpec()
	s.Name = "AcctCache"
	s.Pattern, s.AllPattern = "acct:*:item:*:v0000002", "acct:*:item:*"
	s.Match = `acct:(?:[^\%\:\{\}]|%[0-9A-Fa-f]{2})*:item:(?:[0-9]+):v0000002`
	s.AllMatch = `acct:(?:[^\%\:\{\}]|%[0-9A-Fa-f]{2})*:item:(?:[0-9]+)(?::v[0-9a-f]{7})?`
	s.Key = func(k OrderKey) string {
		return "acct:" + cacheimpl.Escape(k.TenantID, "") + ":item:" + strconv.FormatUint(uint64(k.ID), 10) + ":v0000002"
	}
	return s
}

// orderGroup is what a generated PurgeByTenantID passes.
func orderGroup(tenant string) string { return "tenant:{" + cacheimpl.Escape(tenant, "") + "}:order:" }

func acctGroup(tenant string) string { return "acct:" + cacheimpl.Escape(tenant, "") + ":item:" }

var tenants = []string{"a", "ab", "a:b", "", "b"}

// fill stores 10 values per tenant in c and returns them by tenant.
func fill(t *testing.T, c *cacheimpl.Cache[OrderKey, Order]) {
	t.Helper()
	var vs []*Order
	for _, tn := range tenants {
		for id := range 10 {
			vs = append(vs, &Order{TenantID: tn, ID: uint32(id), Owner: &Owner{}, Total: 1})
		}
	}
	must(t, c.SetMany(ctx, vs))
}

// count reports how many of tenant's 10 values c holds.
func count(t *testing.T, c *cacheimpl.Cache[OrderKey, Order], tenant string) int {
	t.Helper()
	ks := make([]OrderKey, 10)
	for i := range ks {
		ks[i] = OrderKey{tenant, uint32(i)}
	}
	got, err := c.GetMany(ctx, ks)
	must(t, err)
	return len(got)
}

// TestPurgeBy: tenant "a" is purged; "ab", "a:b" (escaped), "" and "b",
// the sibling cache in the same hash tag and an older schema version stay.
func TestPurgeBy(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		for _, prefix := range []string{"", "app:", "{app}:", "x{"} {
			t.Run(fmt.Sprintf("prefix=%q", prefix), func(t *testing.T) {
				opt := runtime.WithPrefix(prefix)
				orders, err := cacheimpl.New(rdb, orderSpec(), opt)
				must(t, err)
				invoices, err := cacheimpl.New(rdb, invoiceSpec(), opt)
				must(t, err)
				accts, err := cacheimpl.New(rdb, acctSpec(), opt)
				must(t, err)
				for _, c := range []*cacheimpl.Cache[OrderKey, Order]{orders, invoices, accts} {
					fill(t, c)
				}
				old := prefix + "tenant:{a}:order:1:v1234567"
				must(t, rdb.Set(ctx, old, "older version", 0).Err())

				for _, tc := range []struct {
					c     *cacheimpl.Cache[OrderKey, Order]
					group func(string) string
				}{{orders, orderGroup}, {accts, acctGroup}} {
					n, err := tc.c.PurgeBy(ctx, tc.group("a"))
					if err != nil || n != 10 {
						t.Fatalf("PurgeBy(a) = %d, %v; want 10", n, err)
					}
					for _, tn := range tenants {
						want := 10
						if tn == "a" {
							want = 0
						}
						if got := count(t, tc.c, tn); got != want {
							t.Fatalf("tenant %q: %d values left, want %d", tn, got, want)
						}
					}
				}
				if got := count(t, invoices, "a"); got != 10 {
					t.Fatalf("PurgeBy touched the sibling cache: %d left", got)
				}
				if v, err := rdb.Get(ctx, old).Result(); err != nil || v != "older version" {
					t.Fatalf("PurgeBy touched another schema version: %v", err)
				}
				// The empty tenant is a group too ("{}" is no hash tag).
				if n, err := orders.PurgeBy(ctx, orderGroup("")); err != nil || n != 10 || count(t, orders, "") != 0 || count(t, orders, "b") != 10 {
					t.Fatalf("PurgeBy(\"\") = %d, %v", n, err)
				}
			})
		}
	})
}

// TestPurgeByScansOneMaster: on the cluster, INFO commandstats shows that
// PurgeBy ran SCAN on one master only when prefix+group holds a complete
// hash tag, and on every master otherwise.
func TestPurgeByScansOneMaster(t *testing.T) {
	cl := redistest.SharedCluster(t)
	rdb := cl.Client(t)
	nodes := make([]*redis.Client, len(cl.Addrs))
	for i, a := range cl.Addrs {
		nodes[i] = redis.NewClient(&redis.Options{Addr: a})
		defer nodes[i].Close()
	}
	scans := func() []int {
		out := make([]int, len(nodes))
		for i, n := range nodes {
			info, err := n.Info(ctx, "commandstats").Result()
			must(t, err)
			for _, line := range strings.Split(info, "\n") {
				if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_scan:calls="); ok {
					out[i], _ = strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
				}
			}
		}
		return out
	}
	masters := func(calls []int) (n int) {
		for _, c := range calls {
			if c > 0 {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct {
		name, prefix string
		spec         func() *cacheimpl.Spec[OrderKey, Order]
		group        func(string) string
		tenant       string
		want         int
	}{
		{"hash-tagged group", "", orderSpec, orderGroup, "a", 1},
		{"hash-tagged group, prefix with braces", "x{", orderSpec, orderGroup, "a", 1},
		{"hash tag in the prefix", "{app}:", acctSpec, acctGroup, "a", 1},
		{"empty tag {}", "", orderSpec, orderGroup, "", 3},
		{"no hash tag", "app:", acctSpec, acctGroup, "a", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			redistest.FlushCluster(t, cl) // and CONFIG RESETSTAT
			c, err := cacheimpl.New(rdb, tc.spec(), runtime.WithPrefix(tc.prefix))
			must(t, err)
			fill(t, c)
			before := scans()
			if masters(before) != 0 {
				t.Fatalf("SCAN calls before PurgeBy: %v", before)
			}
			n, err := c.PurgeBy(ctx, tc.group(tc.tenant))
			if err != nil || n != 10 {
				t.Fatalf("PurgeBy = %d, %v", n, err)
			}
			if got := scans(); masters(got) != tc.want {
				t.Fatalf("SCAN ran on %d masters (calls %v), want %d", masters(got), got, tc.want)
			}
			if count(t, c, tc.tenant) != 0 || count(t, c, "b") != 10 {
				t.Fatal("PurgeBy removed the wrong values")
			}
		})
	}
}

// TestPurgeByFences: a GetOrLoad in flight for a key of the purged group
// does not store its value afterwards (its fence went with the group), a
// load in flight for another group does, and the group leaves no key
// behind — no value, no fence.
func TestPurgeByFences(t *testing.T) {
	topologies(t, func(t *testing.T, rdb redis.UniversalClient) {
		c, err := cacheimpl.New(rdb, orderSpec())
		must(t, err)
		fill(t, c)
		gate := make(chan struct{})
		started := make(chan struct{}, 2)
		load := func(_ context.Context, k OrderKey) (*Order, error) {
			started <- struct{}{}
			<-gate
			return &Order{TenantID: k.TenantID, ID: k.ID, Owner: &Owner{}, Total: 2}, nil
		}
		var wg sync.WaitGroup
		for _, k := range []OrderKey{{"a", 100}, {"b", 100}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if o, err := c.GetOrLoad(ctx, k, load); err != nil || o.Total != 2 {
					t.Errorf("GetOrLoad(%v) = %+v, %v", k, o, err)
				}
			}()
		}
		<-started
		<-started
		n, err := c.PurgeBy(ctx, orderGroup("a"))
		if err != nil || n != 10 {
			t.Fatalf("PurgeBy(a) = %d, %v", n, err)
		}
		close(gate)
		wg.Wait()
		if _, err := c.Get(ctx, OrderKey{"a", 100}); !errors.Is(err, runtime.ErrMiss) {
			t.Fatalf("a load in flight across PurgeBy stored its value: %v", err)
		}
		if o, err := c.Get(ctx, OrderKey{"b", 100}); err != nil || o.Total != 2 {
			t.Fatalf("the other group's load did not store: %+v, %v", o, err)
		}
		if left := keysUnder(t, rdb, "tenant:{a}:*"); len(left) != 0 {
			t.Fatalf("PurgeBy left keys of the group: %v", left)
		}
	})
}

// keysUnder lists the keys matching glob on every master.
func keysUnder(t *testing.T, rdb redis.UniversalClient, glob string) []string {
	t.Helper()
	var mu sync.Mutex
	var out []string
	scan := func(ctx context.Context, n *redis.Client) error {
		keys, err := n.Keys(ctx, glob).Result()
		mu.Lock()
		out = append(out, keys...)
		mu.Unlock()
		return err
	}
	switch r := rdb.(type) {
	case *redis.ClusterClient:
		must(t, r.ForEachMaster(ctx, scan))
	case *redis.Client:
		must(t, scan(ctx, r))
	}
	return out
}

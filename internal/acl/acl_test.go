package acl_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/internal/acl"
)

// The rules are checked on real servers (one and a Cluster) by
// cmd/cachegen's TestACL, from cachegen -acl's output.

func TestPattern(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		c      acl.Cache
		want   string
	}{
		{"app:", acl.Cache{Glob: "user:*", Versioned: true}, "app:user:*:v[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]*"},
		{"", acl.Cache{Glob: `invoice:*/*`}, "invoice:*/*"},
		{"a*[b]:", acl.Cache{Glob: `cfg:*:x`}, `a\*\[b\]:cfg:*:x*`},
		{"", acl.Cache{Glob: `lit\*`}, `lit\**`},
	} {
		if got := acl.Pattern(tc.prefix, tc.c); got != tc.want {
			t.Errorf("Pattern(%q, %+v) = %q, want %q", tc.prefix, tc.c, got, tc.want)
		}
	}
}

func TestRules(t *testing.T) {
	plain := []acl.Cache{{Name: "UserCache", Template: "u:<ID>", Glob: "u:*", Versioned: true}}
	near := append(slices.Clone(plain), acl.Cache{Name: "PCache", Template: "p:<ID>", Glob: "p:*", Local: true})
	for _, tc := range []struct {
		caches   []acl.Cache
		nearRule bool
	}{{plain, false}, {near, true}} {
		rules := acl.Rules("app:", tc.caches)
		args := acl.Args(rules)
		if args[0] != "resetkeys" || slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "#") }) {
			t.Fatalf("Args = %q", args)
		}
		for _, c := range tc.caches {
			if !slices.Contains(args, "~"+acl.Pattern("app:", c)) || !strings.Contains(rules, "# "+c.Name+": "+c.Template) {
				t.Errorf("rules lack %s:\n%s", c.Name, rules)
			}
		}
		if got := slices.Contains(args, "&"+acl.Channel) && slices.Contains(args, "+client|tracking"); got != tc.nearRule {
			t.Errorf("near-cache rules granted = %v, want %v:\n%s", got, tc.nearRule, rules)
		}
		if slices.Contains(args, "+cluster|slots") || slices.Contains(args, "+flushdb") || slices.Contains(args, "+keys") {
			t.Errorf("more than the caches need:\n%s", rules)
		}
	}
}

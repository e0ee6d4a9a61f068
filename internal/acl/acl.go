// Package acl writes the Redis ACL rules (Redis 6+) that a set of generated
// caches needs: what follows ACL SETUSER <name>. A generated cache knows
// every key it can touch and the runtime every command it sends, so the
// rules grant exactly those: one key pattern per cache (runtime prefix,
// template, schema version's shape, and the keys loads keep beside a value:
// the lock key and the fence key both start with the value's key), the
// commands, and for near caches the invalidation channel.
//
// It knows neither the generator nor the runtime: the generator describes
// the caches (Cache), and the command lists below are checked against the
// runtime by cmd/cachegen's TestACL, which runs every operation as a user
// with exactly cachegen -acl's rules on a real redis-server and a Cluster.
package acl

import (
	"fmt"
	"strings"
)

// Cache describes the keys of one generated cache.
type Cache struct {
	Name     string // the generated type, e.g. "UserCache"
	Template string // the annotation's key template, e.g. "user:<ID>"
	// Glob matches the keys without prefix and schema version: the
	// template's literal text glob-escaped, each placeholder a *.
	Glob      string
	Versioned bool // keys end in ":v" and 7 hex digits (no schema=off)
	Local     bool // near cache (local=)
}

// Commands are the commands (and subcommands) generated caches send, with
// why. Only these are allowed.
var Commands = []struct{ Name, Why string }{
	{"hello", "go-redis' connection handshake (HELLO 3; HELLO 2 on a near cache's connection)"},
	{"get", "Get, GetOrLoad, and inside the scripts"},
	{"mget", "GetMany"},
	{"set", "Set, SetWithTTL, SetMany, and inside the scripts (lock, fence, write-back)"},
	{"exists", "Has"},
	{"pttl", "TTL"},
	{"unlink", "Remove, Purge, PurgeAllVersions"},
	{"scan", "Purge, PurgeAllVersions"},
	{"del", "inside the scripts (lock release, fence release)"},
	{"eval", "GetOrLoad: the lock's and the fenced write-back's scripts (first use)"},
	{"evalsha", "GetOrLoad: the same scripts, once the server has them"},
}

// NearCommands are what a near cache adds, and Channel the channel its
// invalidations arrive on.
var NearCommands = []struct{ Name, Why string }{
	{"client|id", "the near cache's connection learns its ID"},
	{"client|tracking", "CLIENT TRACKING on REDIRECT <id> BCAST PREFIX <cache's key prefix>"},
	{"subscribe", "the invalidation messages"},
}

// ClusterCommands are what a Redis Cluster client (redis.ClusterClient)
// adds: go-redis reads the slot map and the command table, and a near cache
// lists the masters it keeps a tracking connection on.
var ClusterCommands = []struct{ Name, Why string }{
	{"cluster|slots", "the slot map"},
	{"command", "the command table (key positions, read-only commands)"},
	{"cluster|nodes", "a near cache on a Cluster: the masters to track"},
}

// Channel is the channel Redis publishes client-side-caching invalidations on.
const Channel = "__redis__:invalidate"

// versionGlob matches ":v" and the 7 hex digits of a schema version.
var versionGlob = ":v" + strings.Repeat("[0-9a-f]", 7)

// GlobEscape escapes Redis' glob metacharacters, for literal key text.
func GlobEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\^`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Pattern is the key pattern of c under prefix: its values (every schema
// version, so PurgeAllVersions may remove old ones) and the lock and fence
// keys that start with a value's key.
func Pattern(prefix string, c Cache) string {
	p := GlobEscape(prefix) + c.Glob
	if c.Versioned {
		p += versionGlob
	}
	if !strings.HasSuffix(p, "*") || strings.HasSuffix(p, `\*`) {
		p += "*"
	}
	return p
}

// Rules returns the ACL rules of caches under prefix, one rule group per
// line, comment lines starting with #. Strip the comments and pass the rest
// as arguments of ACL SETUSER <name> (after on and >password).
func Rules(prefix string, caches []Cache) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# ACL rules of %d cachegen cache(s), runtime prefix %q: ACL SETUSER <name> on >password <these rules>\n", len(caches), prefix)
	b.WriteString("resetkeys resetchannels -@all\n")
	b.WriteString(plus(Commands) + "\n")
	near := false
	for _, c := range caches {
		kind := ""
		if c.Local {
			kind, near = " (near cache)", true
		}
		fmt.Fprintf(&b, "# %s: %s%s\n", c.Name, c.Template, kind)
		b.WriteString("~" + Pattern(prefix, c) + "\n")
	}
	nearRules := plus(NearCommands) + " &" + Channel
	if near {
		b.WriteString("# near caches: client-side caching and its invalidations\n" + nearRules + "\n")
	} else {
		b.WriteString("# a cache given runtime.WithLocal also needs: " + nearRules + "\n")
	}
	b.WriteString("# on a Redis Cluster also: " + plus(ClusterCommands) + "\n")
	return b.String()
}

// plus returns the rules allowing cmds.
func plus(cmds []struct{ Name, Why string }) string {
	var out []string
	for _, c := range cmds {
		out = append(out, "+"+c.Name)
	}
	return strings.Join(out, " ")
}

// Args returns the rules without comments, as ACL SETUSER arguments.
func Args(rules string) []string {
	var out []string
	for line := range strings.SplitSeq(rules, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			out = append(out, strings.Fields(line)...)
		}
	}
	return out
}

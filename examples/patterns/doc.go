// Package patterns shows, in Go with cachegen's generated caches, the usage
// patterns the documentation of the Python library rick shows for its
// RedisCache. Each pattern is a small piece of real code here and a
// runnable example (with its output checked by go test) in the _test.go
// files:
//
//   - cache-aside: [Users.Get] (GetOrLoad: one load per key at a time,
//     negative caching of runtime.ErrNotFound);
//   - write-through: [Users.Create] (the database first, then the cache);
//   - invalidation on update: [Users.ChangeEmail] (remove every key the old
//     value lived under);
//   - a fixed-window rate limiter through a cache's Client(): [RateLimiter]
//     (INCR + EXPIRE in one transaction);
//   - pub/sub through Client(): [Invalidations] (tell other processes which
//     keys changed);
//   - graceful degradation when Redis is unreachable: typed caches with
//     runtime.WithFailOpen (Example_failOpen), and [OpenOrNull], which
//     falls back to runtime.NullCache for code written against the
//     runtime.Cache interface;
//   - troubleshooting: [Inspect] (TYPE, PTTL, STRLEN, OBJECT ENCODING,
//     MEMORY USAGE of one key) and [Keys] (SCAN for a cache's keys).
//
// The examples run on an embedded miniredis; the tests run the same code
// against a real redis-server too.
package patterns

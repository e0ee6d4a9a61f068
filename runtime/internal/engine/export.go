package engine

import "time"

// Config is what an Option sets; package runtime names it so that its own
// Option type converts to this package's.
type Config = config

// CheckTTL is cachegen's TTL rule (see checkTTL), for runtime's NullCache.
func CheckTTL(ttl time.Duration) error { return checkTTL(ttl) }

// LocalClientID exposes the near cache's tracking connection ID to tests,
// which kill it to prove the tier is cleared. It is 0 unless there is
// exactly one tracker (a single node); see LocalClientIDs for a Cluster.
func LocalClientID[T any](s *Store[T]) int64 {
	if s.local == nil {
		return 0
	}
	ids := s.local.trackerIDs()
	if len(ids) != 1 {
		return 0
	}
	for _, id := range ids {
		return id
	}
	return 0
}

// LocalClientIDs returns the client ID of every tracking connection by node
// address.
func LocalClientIDs[T any](s *Store[T]) map[string]int64 {
	if s.local == nil {
		return nil
	}
	return s.local.trackerIDs()
}

// LocalArmed reports whether the near cache is serving (for tests).
func LocalArmed[T any](s *Store[T]) bool { return s.local != nil && s.local.armed.Load() }

// FenceKey and FenceOf expose the fence naming to tests.
var (
	FenceKey = fenceKey
	FenceOf  = fenceOf
)

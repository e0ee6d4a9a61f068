package engine

import "sync/atomic"

// Stats are a cache's counters since it was made. A found value that decodes
// is a hit, an absent key a miss, and a value that fails to decode or
// authenticate, or any Redis error (on a read, a write, a remove or a
// purge), is an error; the caller's own cancellation is none of these.
// GetMany counts each key once.
// (rick counts a value that then fails to decode as a hit; cachegen does not.)
type Stats struct {
	Hits   uint64
	Misses uint64
	Errors uint64
	// LocalHits is the part of Hits served by the near cache (WithLocal).
	LocalHits uint64
}

// HitRate is Hits/(Hits+Misses), and 0 before the first read, as rick's hit_rate.
func (s Stats) HitRate() float64 {
	n := s.Hits + s.Misses
	if n == 0 {
		return 0
	}
	return float64(s.Hits) / float64(n)
}

type counters struct {
	hits, misses, errors atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Errors: c.errors.Load()}
}

package engine

import "sync/atomic"

// Stats are the counters runtime.Stats documents (and converts from: the
// two structs must keep the same fields).
type Stats struct {
	Hits, Misses, Errors uint64
	LocalHits            uint64
}

type counters struct {
	hits, misses, errors atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Errors: c.errors.Load()}
}

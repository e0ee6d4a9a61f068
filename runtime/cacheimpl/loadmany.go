package cacheimpl

import "context"

// GetManyOrLoad returns the values of ks: the cached ones, and for the
// misses what one call of load returns (the misses deduplicated, in
// first-seen order; no call when nothing misses), stored with the default
// TTL or runtime.OverrideTTL's and fenced as GetOrLoad's. Keys load leaves
// out are absent (cached as not-found with WithNegativeTTL); keys it
// returns unasked are ignored; on a loader error the hits come back with
// the error and nothing is stored. The batching is the engine's Store.GetManyOrLoad.
func (c *Cache[K, T]) GetManyOrLoad(ctx context.Context, ks []K, load func(context.Context, []K) (map[K]*T, error)) (map[K]*T, error) {
	keys := c.keys(ks)
	vs, err := c.s.GetManyOrLoad(ctx, keys, func(ctx context.Context, missing []int) (map[int]*T, error) {
		asked := make([]K, len(missing))
		at := make(map[K]int, len(missing))
		for j, i := range missing {
			asked[j] = ks[i]
			at[ks[i]] = i
		}
		m, err := load(ctx, asked)
		if err != nil {
			return nil, err
		}
		byIndex := make(map[int]*T, len(m))
		for k, v := range m {
			if i, ok := at[k]; ok {
				byIndex[i] = v
			}
		}
		return byIndex, nil
	})
	out := make(map[K]*T, len(ks))
	for i, v := range vs {
		if v != nil {
			out[ks[i]] = v
		}
	}
	return out, err
}

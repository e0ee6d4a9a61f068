package cacheimpl

// CloneWith returns a copy of *v and a copy of s, for the generated deep
// copy of a struct with a slice field:
//
//	c, tags := cacheimpl.CloneWith(v, v.Tags)
//	c.Tags = tags
//
// Where len(s) is at most 16, the struct and the slice's array are one
// allocation instead of two: a block holding T and [N]E, N the smallest of
// 1, 2, 3, 4, 6, 8, 12 and 16 that holds s. The near cache's hit is mostly
// this copy, and most of the copy is the allocator. The classes leave at
// most a quarter of the array unused past 4 elements, about what the
// allocator's own size classes round up by; longer slices get their own
// array.
//
// The slice is what slices.Clone gives, except for its capacity: nil stays
// nil, an empty slice stays empty and not nil (without sharing s's array),
// and cap equals len, so that a caller's append reallocates instead of
// writing into the rest of the block. The trade-off: a caller that keeps
// only the slice keeps the whole block, the struct's copy included, alive.
//
// v must not be nil. Elements are copied by assignment: the generator uses
// CloneWith only for slices whose elements need no deep copy.
func CloneWith[T, E any](v *T, s []E) (*T, []E) {
	n := len(s)
	switch {
	case s == nil:
		c := *v
		return &c, nil
	case n == 0:
		c := *v
		return &c, []E{}
	case n <= 1:
		b := &struct {
			v T
			s [1]E
		}{v: *v}
		copy(b.s[:], s)
		return &b.v, b.s[:n:n]
	case n <= 2:
		b := &struct {
			v T
			s [2]E
		}{v: *v}
		copy(b.s[:], s)
		return &b.v, b.s[:n:n]
	case n <= 3:
		b := &struct {
			v T
			s [3]E
		}{v: *v}
		copy(b.s[:], s)
		return &b.v, b.s[:n:n]
	case n <= 4:
		b := &struct {
			v T
			s [4]E
		}{v: *v}
		copy(b.s[:], s)
		return &b.v, b.s[:n:n]
	case n <= 6:
		b := &struct {
			v T
			s [6]E
		}{v: *v}
		copy(b.s[:], s)
		return &b.v, b.s[:n:n]
	case n <= 8:
		b := &struct {
			v T
			s [8]E
		}{v: *v}
		copy(b.s[:], s)
		return &b.v, b.s[:n:n]
	case n <= 12:
		b := &struct {
			v T
			s [12]E
		}{v: *v}
		copy(b.s[:], s)
		return &b.v, b.s[:n:n]
	case n <= 16:
		b := &struct {
			v T
			s [16]E
		}{v: *v}
		copy(b.s[:], s)
		return &b.v, b.s[:n:n]
	}
	c := *v
	cs := make([]E, n)
	copy(cs, s)
	return &c, cs
}

package cacheimpl_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// cloneUser is the benchmark's 7-field user.
type cloneUser struct {
	ID      int64
	Email   string
	Name    string
	Age     int
	Active  bool
	Created time.Time
	Tags    []string
}

// point is an element without references.
type point struct {
	X, Y int32
	Name string
}

func tags(n int) []string {
	if n < 0 {
		return nil
	}
	s := make([]string, n)
	for i := range s {
		s[i] = "tag" + strconv.Itoa(i)
	}
	return s
}

// overlaps reports whether the arrays of a and b (up to their capacity)
// share memory.
func overlaps[E any](a, b []E) bool {
	if cap(a) == 0 || cap(b) == 0 {
		return false
	}
	var zero E
	size := unsafe.Sizeof(zero)
	a0, b0 := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return a0 < b0+uintptr(cap(b))*size && b0 < a0+uintptr(cap(a))*size
}

// TestCloneWith checks every size class boundary against what the generated
// code did before, c := *v; c.Tags = slices.Clone(c.Tags): equal contents,
// nil and empty kept apart, no sharing with the source, cap == len.
func TestCloneWith(t *testing.T) {
	created := time.Date(2024, 5, 6, 7, 8, 9, 10, time.FixedZone("X", 3600))
	for n := -1; n <= 40; n++ {
		t.Run(fmt.Sprint("len=", n), func(t *testing.T) {
			src := &cloneUser{ID: 42, Email: "a@b.c", Name: "Ann", Age: 33, Active: true, Created: created, Tags: tags(n)}
			orig := *src
			origTags := slices.Clone(src.Tags)

			c, s := cacheimpl.CloneWith(src, src.Tags)
			c.Tags = s

			if c == src {
				t.Fatal("the copy is the source")
			}
			if (s == nil) != (src.Tags == nil) {
				t.Fatalf("nil-ness: got nil=%v, source nil=%v", s == nil, src.Tags == nil)
			}
			if !slices.Equal(s, src.Tags) || len(s) != len(src.Tags) {
				t.Fatalf("tags = %q, want %q", s, src.Tags)
			}
			if cap(s) != len(s) {
				t.Fatalf("cap = %d, want len %d", cap(s), len(s))
			}
			if c.ID != src.ID || c.Email != src.Email || c.Name != src.Name || c.Age != src.Age ||
				c.Active != src.Active || c.Created != src.Created {
				t.Fatalf("fields differ: %+v vs %+v", c, src)
			}
			if overlaps(s, src.Tags) {
				t.Fatal("the copy's tags share the source's array")
			}

			// Mutating the copy leaves the source alone.
			c.ID, c.Name, c.Active = 0, "changed", false
			for i := range c.Tags {
				c.Tags[i] = "changed"
			}
			if src.ID != orig.ID || src.Name != orig.Name || src.Active != orig.Active || !slices.Equal(src.Tags, origTags) {
				t.Fatalf("source changed through the copy: %+v", src)
			}

			// An append to the copy's tags must not write into the block
			// (or anywhere else still in use): it reallocates.
			before := *c
			grown := append(c.Tags, "extra")
			if len(c.Tags) > 0 && &grown[0] == &c.Tags[0] {
				t.Fatal("append wrote in place")
			}
			grown[0] = "appended"
			if c.ID != before.ID || c.Name != before.Name || c.Created != before.Created || !slices.Equal(c.Tags, before.Tags) {
				t.Fatalf("append changed the copy: %+v", c)
			}
			if !slices.Equal(src.Tags, origTags) {
				t.Fatalf("append changed the source: %q", src.Tags)
			}
		})
	}
}

// TestCloneWithEmptyNotAliased: an empty, non-nil slice with capacity left
// in the source's array comes back empty, non-nil and on its own (an append
// to it must not write into the source's array).
func TestCloneWithEmptyNotAliased(t *testing.T) {
	backing := []string{"keep", "these"}
	src := &cloneUser{Tags: backing[:0]}
	_, s := cacheimpl.CloneWith(src, src.Tags)
	if s == nil || len(s) != 0 || cap(s) != 0 {
		t.Fatalf("got %#v (cap %d), want empty and non-nil with cap 0", s, cap(s))
	}
	s = append(s, "x")
	if backing[0] != "keep" {
		t.Fatalf("append to the copy wrote into the source's array: %q", backing)
	}
	if len(s) != 1 || s[0] != "x" {
		t.Fatalf("append = %q", s)
	}
}

// TestCloneWithElements copies other element kinds: structs without
// references and pointer-free numbers, at every class boundary.
func TestCloneWithElements(t *testing.T) {
	type shape struct {
		Name   string
		Points []point
	}
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33} {
		ps := make([]point, n)
		for i := range ps {
			ps[i] = point{X: int32(i), Y: -int32(i), Name: strconv.Itoa(i)}
		}
		src := &shape{Name: "s", Points: ps}
		want := slices.Clone(ps)
		c, s := cacheimpl.CloneWith(src, src.Points)
		c.Points = s
		if c.Name != "s" || !slices.Equal(c.Points, want) || cap(c.Points) != n {
			t.Fatalf("n=%d: got %+v (cap %d)", n, c, cap(c.Points))
		}
		for i := range c.Points {
			c.Points[i].Name = "changed"
		}
		if !slices.Equal(src.Points, want) {
			t.Fatalf("n=%d: source changed: %+v", n, src.Points)
		}

		nums := make([]int64, n)
		for i := range nums {
			nums[i] = int64(i) * 3
		}
		type counts struct{ N []int64 }
		cc, cs := cacheimpl.CloneWith(&counts{N: nums}, nums)
		cc.N = cs
		if !slices.Equal(cc.N, nums) || cap(cc.N) != n || (n > 0 && &cc.N[0] == &nums[0]) {
			t.Fatalf("n=%d: int64s %v (cap %d)", n, cc.N, cap(cc.N))
		}
	}
}

// TestCloneWithAllocs: one allocation up to 16 elements, two beyond, and
// none for the slice when it is nil or empty.
func TestCloneWithAllocs(t *testing.T) {
	for n := -1; n <= 20; n++ {
		src := &cloneUser{Tags: tags(n)}
		got := testing.AllocsPerRun(100, func() {
			c, s := cacheimpl.CloneWith(src, src.Tags)
			c.Tags = s
			sinkUser = c
		})
		want := 1.0
		if n > 16 {
			want = 2
		}
		if got != want {
			t.Errorf("len %d: %v allocations, want %v", n, got, want)
		}
	}
}

var sinkUser *cloneUser

// cloneUserOld is the deep copy generated code wrote before CloneWith.
func cloneUserOld(v *cloneUser) *cloneUser {
	if v == nil {
		return nil
	}
	c := *v
	c.Tags = slices.Clone(c.Tags)
	return &c
}

// cloneUserNew is the deep copy generated code writes with CloneWith.
func cloneUserNew(v *cloneUser) *cloneUser {
	if v == nil {
		return nil
	}
	c, tags := cacheimpl.CloneWith(v, v.Tags)
	c.Tags = tags
	return c
}

// BenchmarkClone is the deep copy of the 7-field user alone, the shape
// generated code wrote before (struct + slices.Clone: two allocations)
// beside CloneWith's, across the size classes.
func BenchmarkClone(b *testing.B) {
	for _, n := range []int{0, 1, 2, 3, 4, 5, 8, 9, 16, 17} {
		src := &cloneUser{ID: 1, Email: "a@b.c", Name: "Ann", Age: 3, Active: true, Created: time.Now(), Tags: tags(n)}
		b.Run(fmt.Sprintf("tags=%d/shape=old", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkUser = cloneUserOld(src)
			}
		})
		b.Run(fmt.Sprintf("tags=%d/shape=new", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkUser = cloneUserNew(src)
			}
		})
	}
}

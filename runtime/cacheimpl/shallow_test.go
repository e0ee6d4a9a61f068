package cacheimpl_test

import (
	"testing"

	"github.com/cachegen/cachegen/runtime/cacheimpl"
)

// TestShallow: the copy the generator passes for reference-free structs is
// nil for nil and a distinct value equal to the original.
func TestShallow(t *testing.T) {
	type user struct {
		ID   int64
		Name string
	}
	if cacheimpl.Shallow[user](nil) != nil {
		t.Fatal("Shallow(nil) is not nil")
	}
	u := &user{ID: 1, Name: "a"}
	c := cacheimpl.Shallow(u)
	if c == u || *c != *u {
		t.Fatalf("Shallow(%v) = %p %v", *u, c, *c)
	}
	c.Name = "b"
	if u.Name != "a" {
		t.Fatal("the copy shares the original")
	}
}

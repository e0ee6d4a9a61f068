package models

import (
	"fmt"
	"time"
)

// Pair is generic; its instantiations may be fields.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// Named is an alias of an instantiation.
type Named = Pair[string, int]

// Exotic has a field of (almost) every kind of type, all of which the
// shape guard must spell exactly.
type Exotic struct {
	ID    int64
	When  time.Time
	Fn    func(int, ...string) (bool, error) `cache:"-"`
	Iface interface {
		fmt.Stringer
		Size() int
	} `cache:"-"`
	Recv  <-chan int   `cache:"-"`
	Send  chan<- []int `cache:"-"`
	Pair  Pair[string, []byte]
	Alias Named
	Anon  struct {
		X int `json:"x"`
	}
	Arr    [4]byte
	Any    any
	Err    error `cache:"-"`
	Matrix map[[2]int]*[]Named
	Quoted string "json:\"q\" msgpack:\"q`\""
}

// Admin is a named type whose underlying type is Exotic's struct.
//
//cache:key=admin:<ID>
type Admin Exotic

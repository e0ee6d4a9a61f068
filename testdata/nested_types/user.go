package models

import "time"

// Address is nested by value, by pointer and in a slice.
type Address struct {
	Street string
	Prev   *Address
}

// Meta is a map value.
type Meta struct {
	Seen time.Time
}

// User is an account with nested structs: all of them are guarded.
//
//cache:key=user:<ID>
type User struct {
	ID      int64
	Home    Address
	Work    *Address
	Old     []Address
	Meta    map[string]Meta
	Tags    [3]string
	Updates chan<- int `cache:"-"`
}

package models

import "sync"

type base struct {
	Created int64
	hits    int `cache:"-"`
}

// User keeps unexported state out of the cache explicitly.
//
//cache:key=user:<ID>
type User struct {
	base
	ID int64
	mu sync.Mutex `cache:"-"`
}

package models

import (
	"net/url"
	"sync"
	"time"
)

// Inner is nested: its own unsupported field is reported at its line.
type Inner struct {
	Fn func()
	OK string
}

// Locked holds a lock.
type Locked struct {
	N  int
	mu sync.Mutex `cache:"-"`
}

// User has fields codec=fast cannot encode.
//
//cache:key=user:<ID> codec=fast
type User struct {
	ID      int64
	Any     any
	C       complex128
	P       uintptr
	Ch      chan int `cache:"-"`
	Mu      sync.Mutex
	Query   url.Values
	ByFlag  map[bool]string
	ByFloat map[float64]string
	ByTime  map[time.Time]int
	Inner   Inner
	Inners  []*Inner
	Lockeds map[string]Locked
	LockPtr map[string]*Locked
}

package models

import "sync"

//cache:key=user:<ID>
type User struct {
	ID      int64
	name    string
	mu      sync.Mutex `cache:"-"`
	counter int        `json:"counter"`
	base
}

type base struct {
	Created int64
	hidden  bool
}

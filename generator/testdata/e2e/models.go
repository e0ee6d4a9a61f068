// Package models is the end-to-end test's model package: generated into a
// scratch module, built, vetted and run against a real redis-server.
package models

import (
	"time"

	"github.com/google/uuid"
)

//go:generate cachegen

// User is an account, cached by id and by email.
//
//cache:key=user:<ID> ttl=1h
//cache:key=user:email:<Email> name=UserByEmailCache codec=json
type User struct {
	ID    int64
	Email string
	Name  string
	Tags  []string
}

// Owner owns orders.
type Owner struct {
	ID   int
	Name string
}

// Order is cached encrypted in its tenant's cluster slot.
//
//cache:key=tenant:{<TenantID>}:order:<ID> crypt ttl=15m
type Order struct {
	TenantID string
	ID       uint32
	Owner    *Owner
	Total    int64
}

// Session is keyed by a UUID and a field path through a pointer, without a
// schema version; gob needs crypt.
//
//cache:key=session:<ID>/<Owner.ID> schema=off codec=gob crypt
type Session struct {
	ID    uuid.UUID
	Owner *Owner
	Data  map[string]string
}

// Profile is cached with the generated codec=fast codec, and by handle
// with a near cache (local=) whose hits are generated deep copies.
//
//cache:key=profile:<ID> codec=fast ttl=1h
//cache:key=profile:handle:<Handle> name=ProfileByHandleCache local=100
type Profile struct {
	ID      int64
	Handle  string
	Born    time.Time
	Scores  map[string]float64
	Friends []int64
	Avatar  []byte
	Home    *Owner
	Labels  []string
}

// Spot holds no references: a slice of Spot is copied with its Grid in one
// allocation.
type Spot struct {
	X, Y  int32
	Label string
}

// Member holds a reference (Tags): a slice of Member is copied element by
// element, never with its Roster.
type Member struct {
	Name string
	Tags []string
}

// Team's first slice holds strings: copied with the struct.
//
//cache:key=team:<ID> local=100
type Team struct {
	ID      int64
	Name    string
	Members []string
	Spots   []Spot
}

// Grid's slice holds structs without references: copied with the struct.
//
//cache:key=grid:<ID> local=100
type Grid struct {
	ID    int64
	Spots []Spot
}

// Roster's first slice holds structs with references: its copy needs a loop,
// so the strings after it are copied with the struct instead.
//
//cache:key=roster:<ID> local=100
type Roster struct {
	ID    int64
	Crew  []Member
	Notes []string
}

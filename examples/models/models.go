// Package models is a realistic model package with cachegen annotations.
// The typed caches in cache_gen.go are generated from the //cache: lines
// below; regenerate them with
//
//	go generate ./examples/...
package models

import (
	"time"

	"github.com/google/uuid"
)

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// User is an account. It is cached twice: by ID (msgpack, the default
// codec) and by email address (JSON, readable with redis-cli).
//
//cache:key=user:<ID> ttl=1h
//cache:key=user:email:<Email> ttl=1h name=UserByEmailCache codec=json
type User struct {
	ID      int64
	Email   string
	Name    string
	Admin   bool
	Created time.Time
}

// Session is a login session. It holds a secret (the CSRF token), so it is
// stored encrypted (Fernet256: AES-256-CBC + HMAC-SHA256) and expires soon.
//
//cache:key=session:<Token> ttl=30m crypt
type Session struct {
	Token   string
	UserID  int64
	CSRF    string
	Expires time.Time
}

// Order belongs to a tenant. The {<TenantID>} hash tag keeps all of a
// tenant's orders in one Redis Cluster slot, so GetMany over one tenant's
// orders is a single MGET even on a cluster.
//
//cache:key=tenant:{<TenantID>}:order:<ID> ttl=15m
type Order struct {
	TenantID string
	ID       uint32
	Lines    []OrderLine
	Total    int64 // cents
	Placed   time.Time
}

// OrderLine is one line of an Order. It is part of Order's schema
// fingerprint: changing it changes OrderCache's keys.
type OrderLine struct {
	SKU      string
	Quantity int
	Price    int64 // cents
}

// Product is keyed by a UUID (written in its canonical text form). Its TTL
// is spread by ±10% so products loaded together do not expire together.
//
//cache:key=product:<ID> ttl=24h jitter=10
type Product struct {
	ID    uuid.UUID
	SKU   string
	Name  string
	Price int64 // cents
	Tags  []string
}

// Package models is the 7-cache package the lines-per-cache figure of the
// README's Generated API section is measured on: single and multi-field
// keys, crypt, several codecs, local=.
package models

import (
	"time"

	"github.com/google/uuid"
)

// User is cached by ID (msgpack, near cache) and by email (JSON).
//
//cache:key=user:<ID> ttl=1h local=1000
//cache:key=user:email:<Email> ttl=1h name=UserByEmailCache codec=json
type User struct {
	ID      int64
	Email   string
	Name    string
	Created time.Time
}

// Session is encrypted.
//
//cache:key=session:<Token> ttl=30m crypt
type Session struct {
	Token  string
	UserID int64
}

// Order has a two-part key with a hash tag.
//
//cache:key=tenant:{<TenantID>}:order:<ID> ttl=15m
type Order struct {
	TenantID string
	ID       uint32
	Lines    []Line
}

// Line is part of Order.
type Line struct {
	SKU string
	Qty int
}

// Product uses the generated codec and a UUID key.
//
//cache:key=product:<ID> ttl=24h jitter=10 codec=fast
type Product struct {
	ID    uuid.UUID
	Name  string
	Price int64
}

// Doc has a three-part key through a pointer, shared with rick.
//
//cache:key=space:<Owner.ID>:doc:<Kind>:<Slug> codec=rick-msgpack schema=off
type Doc struct {
	Owner *Owner
	Kind  string
	Slug  string
	Body  string
}

// Owner is reached through a pointer.
type Owner struct {
	ID int64
}

// Counter is read by rick (pickle) and has no TTL.
//
//cache:key=counter:<Name> codec=pickle
type Counter struct {
	Name string
	N    int64
}

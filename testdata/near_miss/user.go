package models

// User has a space after the slashes.
//
// cache:key=user:<ID> ttl=1h
type User struct {
	ID int64
}

// Order is capitalised (gofmt then adds a space, as for any comment
// that is not a lower-case directive).
//
// Cache:key=order:<ID>
type Order struct {
	ID int64
}

// Item is in a block comment with spaces around the colon.
/* CACHE : key=item:<ID> */
type Item struct {
	ID int64
}

// Note is not an attempt: its cache: text is prose.
type Note struct {
	ID int64
}

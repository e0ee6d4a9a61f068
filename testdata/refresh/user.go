package models

// User is an account; hot, so GetOrLoad refreshes it ahead of expiry.
//
//cache:key=user:<ID> ttl=1h refresh=50m
type User struct {
	ID int64
}

package models

// User is an account.
//
//cache:key=user:<ID> ttl=90s local=1000 jitter=10
type User struct {
	ID int64
}

//cache:key=x:<ID> local=0 jitter=101
type Bad struct {
	ID int64
}

package models

// User is an account.
//
//cache:key=user:<ID> ttl=1h
//cache:key=user:email:<Email> name=UserByEmailCache codec=json ttl=30m
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

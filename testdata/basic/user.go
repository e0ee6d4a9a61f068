package models

// User is an account.
//
//cache:key=user:<ID> ttl=1h
type User struct {
	ID    int64
	Email string
	Name  string `json:"name"`
}

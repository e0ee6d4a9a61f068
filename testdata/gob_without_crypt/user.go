package models

// User is cached with gob, which reads only authenticated values.
//
//cache:key=user:<ID> codec=gob
//cache:key=user:c:<ID> codec=gob crypt name=CryptUserCache
type User struct {
	ID int64
}

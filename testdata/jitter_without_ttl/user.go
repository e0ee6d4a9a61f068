package models

//cache:key=user:<ID> jitter=10
//cache:key=user:name:<Name> ttl=0 jitter=5 name=UserByNameCache
//cache:key=user:email:<Email> ttl=1h jitter=5 name=UserByEmailCache
type User struct {
	ID    int64
	Name  string
	Email string
}

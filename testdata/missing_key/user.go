package models

//cache:ttl=1h crypt
type User struct {
	ID int64
}

//cache:key= ttl=1h
type Order struct {
	ID int64
}

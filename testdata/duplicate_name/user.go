package models

//cache:key=user:<ID>
//cache:key=user:email:<Email>
type User struct {
	ID    int64
	Email string
}

//cache:key=order:<ID>
type Order struct {
	ID int64
}

// NewOrderCache is a hand-written constructor that the generated one would
// collide with.
func NewOrderCache() {}

//cache:key=a:<ID>:<Kind> name=ItemCache
type Item struct {
	ID   int64
	Kind string
}

//cache:key=b:<ID> name=ItemKey
type Other struct {
	ID int64
}

package models

//cache:key=user:<ID
type User struct {
	ID int64
}

//cache:key=order:<Tenant:<ID>
type Order struct {
	Tenant string
	ID     int64
}

//cache:key=item:<>:x>
type Item struct {
	ID int64
}

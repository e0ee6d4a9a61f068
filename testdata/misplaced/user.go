package models

//cache:key=f:<ID>
func F() {}

//cache:key=ids:<ID>
type IDs []int64

type User struct {
	//cache:key=user:<ID>
	ID int64
}

//cache:key=alias:<ID>
type Alias = []int64

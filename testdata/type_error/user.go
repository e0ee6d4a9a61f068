package models

//cache:key=user:<ID>
type User struct {
	ID    int64
	Email Undefined
}

func broken() int { return "x" }

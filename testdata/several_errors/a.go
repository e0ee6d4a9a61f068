package models

//cache:key=a:<Nope> ttl=soon
type A struct {
	ID int64
}

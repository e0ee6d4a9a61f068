package models

//cache:key=box:<ID>
type Box[T any] struct {
	ID    int64
	Value T
}

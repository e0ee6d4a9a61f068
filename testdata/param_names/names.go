package models

// Weird has fields whose parameter names would clash.
//
//cache:key=w:<Type>:<Ctx>:<Key>:<C>:<Strconv>:<Id>:<ID>
type Weird struct {
	Type    string
	Ctx     string
	Key     string
	C       string
	Strconv string
	Id      string
	ID      int
}

// Single has one field named like a builtin.
//
//cache:key=s:<Len>
type Single struct {
	Len int
}

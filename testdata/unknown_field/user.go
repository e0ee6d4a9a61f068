package models

//cache:key=user:<Id>
type User struct {
	ID    int64
	Email string
}

//cache:key=order:<Owner.Nmae>
type Order struct {
	ID    int64
	Owner Owner
}

type Owner struct {
	Name string
}

//cache:key=item:<Zzz>
type Item struct {
	ID int64
}

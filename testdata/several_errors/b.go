package models

//cache:key=b:<ID> codec=jsn
type B struct {
	ID    int64
	inner string
}

//cache:name=lower
type C struct {
	ID int64
}

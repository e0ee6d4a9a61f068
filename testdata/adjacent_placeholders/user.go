package models

//cache:key=user:<A><B>
//cache:key=user:<A>x<B> name=XCache
//cache:key=user:<A>-<B> name=OKCache
type User struct {
	A string
	B string
}

package models

//cache:key=user:<ID> codec=msgpak
//cache:key=user:fast:<ID> codec=fast name=FastUserCache
//cache:key=user:x:<ID> codec=protobuf name=XUserCache
type User struct {
	ID int64
}

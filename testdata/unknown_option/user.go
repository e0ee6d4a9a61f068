package models

//cache:key=user:<ID> tll=1h
//cache:key=user:v2:<ID> frobnicate name=UserV2Cache
//cache:key=user:v3:<ID> crypt=yes name=UserV3Cache
type User struct {
	ID int64
}

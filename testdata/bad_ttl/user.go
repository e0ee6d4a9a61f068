package models

//cache:key=a:<ID> ttl=1x
//cache:key=b:<ID> ttl=500us name=B
//cache:key=c:<ID> ttl=1500us name=C
//cache:key=d:<ID> ttl=-1s name=D
//cache:key=e:<ID> ttl=0 name=E
type User struct {
	ID int64
}

package models

//cache:key=a:<ID> refresh=1m
//cache:key=b:<ID> ttl=1m refresh=1m name=B
//cache:key=c:<ID> ttl=1m refresh=2m name=C
//cache:key=d:<ID> ttl=1h refresh=0 name=D
//cache:key=e:<ID> ttl=1h refresh=1x name=E
//cache:key=f:<ID> ttl=1h refresh=1500us name=F
//cache:key=g:<ID> ttl=1h refresh=-1s name=G
//cache:key=h:<ID> ttl=0 refresh=1s name=H
//cache:key=i:<ID> refresh=1s ttl=2s name=I
type User struct {
	ID int64
}

package models

import "time"

//cache:key=a:<Score>
//cache:key=b:<Raw> name=ByRaw
//cache:key=c:<Ptr> name=ByPtr
//cache:key=d:<Tags> name=ByTags
//cache:key=e:<Any> name=ByAny
//cache:key=f:<Wait> name=ByWait
type User struct {
	Score float64
	Raw   []byte
	Ptr   *string
	Tags  map[string]string
	Any   any
	Wait  time.Duration
}

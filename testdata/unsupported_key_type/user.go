package models

import "time"

//cache:key=a:<Score>
//cache:key=b:<Raw> name=ByRaw
//cache:key=c:<Ptr> name=ByPtr
//cache:key=c2:<PtrPtr> name=ByPtrPtr
//cache:key=c3:<NamedPtr> name=ByNamedPtr
//cache:key=c4:<PtrFloat> name=ByPtrFloat
//cache:key=d:<Tags> name=ByTags
//cache:key=e:<Any> name=ByAny
//cache:key=f:<Wait> name=ByWait
type User struct {
	Score    float64
	Raw      []byte
	Ptr      *string
	PtrPtr   **string
	NamedPtr StringPtr
	PtrFloat *float64
	Tags     map[string]string
	Any      any
	Wait     time.Duration
}

// StringPtr is a named pointer type.
type StringPtr *string

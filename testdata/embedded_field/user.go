package models

// Base holds what every record has.
type Base struct {
	ID     int64
	Tenant string
}

// Audit is embedded by pointer.
type Audit struct {
	By string
}

// Doc is a document.
//
//cache:key=doc:<ID> ttl=10m
//cache:key=tenant:<Base.Tenant>:doc:<ID>:by:<By> name=DocByAuthorCache
type Doc struct {
	Base
	*Audit
	Title string
}

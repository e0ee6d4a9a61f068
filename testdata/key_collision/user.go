package models

// User has two caches under the same keys, one of them JSON: without the
// schema version they overwrite each other's values.
//
//cache:key=user:<ID> schema=off
//cache:key=user:<ID> schema=off codec=json name=UserJSONCache
type User struct {
	ID   int64
	Name string
}

// Account has the same shape as Member, so the same schema version.
//
//cache:key=member:<ID>
type Account struct {
	ID int64
}

// Member has the same shape and key template as Account.
//
//cache:key=member:<ID>
type Member struct {
	ID int64
}

// Team's second template differs from its first in the placeholder only.
//
//cache:key=team:<ID>
//cache:key=team:<Size> name=TeamBySizeCache
type Team struct {
	ID   int64
	Size int64
}

// Profile is fine: its version differs (codec) from ProfileJSONCache's.
//
//cache:key=profile:<ID>
//cache:key=profile:<ID> codec=json name=ProfileJSONCache
type Profile struct {
	ID int64
}

package models

// User is an account. Its Name field was removed after the last run, so the
// old cache_gen.go no longer compiles; regenerating must still work.
//
//cache:key=user:<ID>
type User struct {
	ID int64
}

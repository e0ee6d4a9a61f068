package models

// Profile is shared with a Python service through rick's default format.
//
//cache:key=profile_<UserID>.v1 schema=off codec=rick-msgpack
type Profile struct {
	UserID string
	Bio    string
}

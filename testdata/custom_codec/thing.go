package models

// Thing uses a codec passed at run time and a custom type name.
//
//cache:key=thing-<Slug>/v2 name=Things codec=custom
type Thing struct {
	Slug string
}

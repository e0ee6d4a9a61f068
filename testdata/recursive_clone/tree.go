package models

// Node contains itself through a slice, a map, an array and a pointer:
// its deep copy calls itself.
//
//cache:key=node:<ID> local=100
type Node struct {
	ID     int64
	Kids   []Node
	ByName map[string]Node
	Pair   [2]*Node
	Parent *Node
	Forest Forest
}

// Forest reaches Node again through a named slice.
type Forest []Tree

// Tree holds a root Node by value.
type Tree struct {
	Root Node
}

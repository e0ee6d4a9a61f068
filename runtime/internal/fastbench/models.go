// Package fastbench holds structs cached with codec=fast and local=, and
// the code cachegen generates for them (cache_gen.go, checked in and kept
// fresh by the generator's tests). Its tests round-trip every field type
// codec=fast supports, fuzz the generated decoder, and benchmark the
// generated codec and deep copy beside msgpack, json and gob.
package fastbench

import (
	"time"

	"github.com/google/uuid"

	"github.com/cachegen/cachegen/runtime"
)

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// User is the benchmarks' 7-field struct.
//
//cache:key=user:<ID> codec=fast local=1000
//cache:key=user:<ID> codec=msgpack name=MsgpackUserCache
type User struct {
	ID      int64
	Email   string
	Name    string
	Age     int
	Active  bool
	Created time.Time
	Tags    []string
}

// Status is a named integer.
type Status uint8

// Label is a named string.
type Label string

// Blob is a named byte slice.
type Blob []byte

// Point is nested by value, by pointer, in slices and in maps, and points
// to itself.
type Point struct {
	X, Y float64
	Next *Point
}

// All has a field of every kind codec=fast supports.
//
//cache:key=all:<ID> codec=fast local=10
type All struct {
	ID     int64
	I      int
	I8     int8
	I16    int16
	I32    int32
	U      uint
	U8     uint8
	U16    uint16
	U32    uint32
	U64    uint64
	F32    float32
	F64    float64
	OK     bool
	Name   string
	Raw    []byte
	When   time.Time
	Wait   time.Duration
	Month  time.Month
	UUID   uuid.UUID
	Day    runtime.Date
	Price  runtime.Decimal
	Status Status
	Label  Label
	Blob   Blob
	Ptr    *string
	PtrPtr **int
	Times  []time.Time
	Tags   []string
	Matrix [][]int32
	Grid   [2][3]int
	Hash   [4]byte
	Counts map[string]int
	ByID   map[uuid.UUID]*Point
	Nested map[int64][]Label
	Here   Point
	There  *Point
	Path   []Point
	Anon   struct {
		A string
		B *struct{ C []bool }
	}
	Skipped func() `cache:"-"`
	Last    Status
}

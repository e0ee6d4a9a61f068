package models

import (
	"time"

	"github.com/cachegen/cachegen/runtime"
	"github.com/google/uuid"
)

// Status is a named integer.
type Status uint8

// Label is a named string.
type Label string

// Blob is a named byte slice.
type Blob []byte

// Point is nested by value, by pointer, in slices, arrays and maps.
type Point struct {
	X, Y float64
	Next *Point
}

// Pair is generic: each instantiation gets its own functions.
type Pair[K comparable, V any] struct {
	Key K
	Val V
}

// Named is an alias of an instantiation.
type Named = Pair[string, int]

// Item has a field of every kind codec=fast supports.
//
//cache:key=item:<ID> codec=fast ttl=1h
type Item struct {
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
	Skipped  func()   `cache:"-"`
	internal chan int `cache:"-"`
	Last     Status
	Pairs    []Pair[Label, *Point]
	Alias    Named
	Keys     map[Label][16]byte
}

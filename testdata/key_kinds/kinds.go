package models

// Code is a named string.
type Code string

// Count is a named unsigned integer.
type Count uint16

// Flag is a named bool.
type Flag bool

// Row has one key field of every basic kind.
//
//cache:key=row:<S>:<C>:<I>:<I8>:<I16>:<I32>:<I64>:<U>:<U8>:<U16>:<U32>:<U64>:<UP>:<B>:<N>:<F>:<R>
type Row struct {
	S   string
	C   Code
	I   int
	I8  int8
	I16 int16
	I32 int32
	I64 int64
	U   uint
	U8  uint8
	U16 uint16
	U32 uint32
	U64 uint64
	UP  uintptr
	B   bool
	N   Count
	F   Flag
	R   rune
}

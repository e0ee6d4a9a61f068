package fastwire

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// Header is the first byte of every value: codec=fast, format version 1.
const Header = 0xF1

// MaxDepth bounds how deep structs nest in one value, when encoding (a
// pointer cycle) and when decoding (hostile input).
const MaxDepth = 100

// ErrDepth is reported when structs nest deeper than MaxDepth.
var ErrDepth = errors.New("fastwire: structs nested more than 100 deep (a pointer cycle?)")

// Writer appends one value in the wire format. Methods named after a type
// write a payload; the ones ending in Field write a struct field: its tag
// and payload, or nothing when the value is the type's zero value. The
// errors an encoding can meet (structs nested deeper than MaxDepth, a time
// zone offset of a day or more) are kept until Result.
type Writer struct {
	b     []byte
	depth int
	err   error
}

// Reset empties w and writes the header.
func (w *Writer) Reset() {
	w.b = append(w.b[:0], Header)
	w.depth = 0
	w.err = nil
}

// Result returns what was written, or the error met on the way. The slice
// is w's own buffer: copy it before the next Reset.
func (w *Writer) Result() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	return w.b, nil
}

// Cap returns the capacity of w's buffer, so pools can drop huge ones.
func (w *Writer) Cap() int { return cap(w.b) }

// Enter starts a struct. It reports false, and records ErrDepth, when
// structs already nest MaxDepth deep: the caller must then return without
// writing the struct.
func (w *Writer) Enter() bool {
	if w.depth >= MaxDepth {
		if w.err == nil {
			w.err = ErrDepth
		}
		return false
	}
	w.depth++
	return true
}

// Leave ends a struct.
func (w *Writer) Leave() {
	w.depth--
	w.b = append(w.b, 0)
}

// Tag writes a field tag.
func (w *Writer) Tag(tag uint64) {
	if tag < 0x80 {
		w.b = append(w.b, byte(tag))
		return
	}
	w.b = binary.AppendUvarint(w.b, tag)
}

// Bool writes a bool.
func (w *Writer) Bool(x bool) {
	if x {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

// BoolField writes a bool field unless it is false.
func (w *Writer) BoolField(tag uint64, x bool) {
	if x {
		w.Tag(tag)
		w.b = append(w.b, 1)
	}
}

// Int writes a signed integer.
func (w *Writer) Int(x int64) {
	u := uint64(x<<1) ^ uint64(x>>63)
	if u < 0x80 {
		w.b = append(w.b, byte(u))
		return
	}
	w.b = binary.AppendUvarint(w.b, u)
}

// IntField writes a signed integer field unless it is 0.
func (w *Writer) IntField(tag uint64, x int64) {
	if x != 0 {
		w.Tag(tag)
		w.Int(x)
	}
}

// Uint writes an unsigned integer.
func (w *Writer) Uint(x uint64) {
	if x < 0x80 {
		w.b = append(w.b, byte(x))
		return
	}
	w.b = binary.AppendUvarint(w.b, x)
}

// UintField writes an unsigned integer field unless it is 0.
func (w *Writer) UintField(tag uint64, x uint64) {
	if x != 0 {
		w.Tag(tag)
		w.Uint(x)
	}
}

// Float64 writes a float64's bits.
func (w *Writer) Float64(x float64) {
	w.b = binary.LittleEndian.AppendUint64(w.b, math.Float64bits(x))
}

// Float64Field writes a float64 field unless its bits are all zero.
func (w *Writer) Float64Field(tag uint64, x float64) {
	if math.Float64bits(x) != 0 {
		w.Tag(tag)
		w.Float64(x)
	}
}

// Float32 writes a float32's bits.
func (w *Writer) Float32(x float32) {
	w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(x))
}

// Float32Field writes a float32 field unless its bits are all zero.
func (w *Writer) Float32Field(tag uint64, x float32) {
	if math.Float32bits(x) != 0 {
		w.Tag(tag)
		w.Float32(x)
	}
}

// String writes a string.
func (w *Writer) String(s string) {
	w.Uint(uint64(len(s)))
	w.b = append(w.b, s...)
}

// StringField writes a string field unless it is empty.
func (w *Writer) StringField(tag uint64, s string) {
	if s != "" {
		w.Tag(tag)
		w.String(s)
	}
}

// Bytes writes a byte slice, keeping nil apart from empty.
func (w *Writer) Bytes(p []byte) {
	if p == nil {
		w.b = append(w.b, 0)
		return
	}
	w.Uint(uint64(len(p)) + 1)
	w.b = append(w.b, p...)
}

// BytesField writes a byte slice field unless it is nil.
func (w *Writer) BytesField(tag uint64, p []byte) {
	if p != nil {
		w.Tag(tag)
		w.Bytes(p)
	}
}

// Raw writes the bytes of a byte array as they are.
func (w *Writer) Raw(p []byte) { w.b = append(w.b, p...) }

// RawField writes a byte array field unless all its bytes are zero.
func (w *Writer) RawField(tag uint64, p []byte) {
	for _, c := range p {
		if c != 0 {
			w.Tag(tag)
			w.b = append(w.b, p...)
			return
		}
	}
}

// Time writes a time's instant and UTC offset. An offset of a day or more
// (possible only with a hand-made time.FixedZone) is an error: it could
// not be decoded.
func (w *Writer) Time(t time.Time) {
	_, off := t.Zone()
	if off <= -maxOffset || off >= maxOffset {
		if w.err == nil {
			w.err = fmt.Errorf("fastwire: time zone offset %ds is not within ±24h", off)
		}
		off = 0
	}
	w.Int(t.Unix())
	w.Uint(uint64(t.Nanosecond()))
	w.Int(int64(off))
}

// TimeField writes a time field unless it is the zero time in UTC.
func (w *Writer) TimeField(tag uint64, t time.Time) {
	if !t.IsZero() || t.Location() != time.UTC {
		w.Tag(tag)
		w.Time(t)
	}
}

// Date writes a runtime.Date.
func (w *Writer) Date(d pyval.Date) {
	w.Int(int64(d.Year))
	w.Int(int64(d.Month))
	w.Int(int64(d.Day))
}

// DateField writes a runtime.Date field unless it is the zero Date.
func (w *Writer) DateField(tag uint64, d pyval.Date) {
	if d != (pyval.Date{}) {
		w.Tag(tag)
		w.Date(d)
	}
}

// Decimal writes a runtime.Decimal's text; "" for the zero Decimal.
func (w *Writer) Decimal(d pyval.Decimal) {
	if d == (pyval.Decimal{}) {
		w.b = append(w.b, 0)
		return
	}
	w.String(d.String())
}

// DecimalField writes a runtime.Decimal field unless it is the zero Decimal.
func (w *Writer) DecimalField(tag uint64, d pyval.Decimal) {
	if d != (pyval.Decimal{}) {
		w.Tag(tag)
		w.String(d.String())
	}
}

// Ptr writes a pointer's presence byte and reports present, so that
//
//	if w.Ptr(p != nil) { /* write *p */ }
//
// writes a pointer.
func (w *Writer) Ptr(present bool) bool {
	w.Bool(present)
	return present
}

// PtrField writes the tag and presence byte of a pointer field when it is
// present, and reports present.
func (w *Writer) PtrField(tag uint64, present bool) bool {
	if present {
		w.Tag(tag)
		w.b = append(w.b, 1)
	}
	return present
}

// Len writes the length of a slice or map (0 for nil, n+1 otherwise) and
// reports whether its elements follow, so that
//
//	if w.Len(s != nil, len(s)) { for _, x := range s { /* write x */ } }
//
// writes a slice.
func (w *Writer) Len(notNil bool, n int) bool {
	if !notNil {
		w.b = append(w.b, 0)
		return false
	}
	w.Uint(uint64(n) + 1)
	return true
}

// LenField writes the tag and length of a slice or map field unless it is
// nil, and reports whether its elements follow.
func (w *Writer) LenField(tag uint64, notNil bool, n int) bool {
	if !notNil {
		return false
	}
	w.Tag(tag)
	w.Uint(uint64(n) + 1)
	return true
}

// SortedKeys returns the keys of m in ascending order, the order maps are
// written in, so that equal maps give equal bytes.
func SortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// SortedKeysFunc is SortedKeys for keys that are not cmp.Ordered (byte
// arrays such as uuid.UUID), ordered by compare.
func SortedKeysFunc[M ~map[K]V, K comparable, V any](m M, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

package fastwire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// Reader decodes one value. The first error sticks: after it every method
// returns a zero value without reading, so generated code checks only once,
// at the end (Finish). A Reader never panics and never reads past its
// input.
//
// Decoding a struct is
//
//	r.Enter()
//	if r.Field(1) { /* read field 1 */ }
//	if r.Field(2) { /* read field 2 */ }
//	r.Leave()
//
// Field reads the next tag when none is pending and consumes it when it is
// the one asked for, so tags must come in increasing order; Leave wants the
// 0x00 that ends the struct, so an unknown or out-of-order tag is an error.
type Reader struct {
	data    []byte
	off     int
	depth   int
	tag     uint64 // the tag read but not yet consumed, when pending
	pending bool
	err     error
	strs    []byte // a copy of data that small values' strings share
}

// sharedStrings is the largest input whose strings share one copy of it:
// one allocation instead of one per string, at the cost of keeping up to
// this many bytes alive as long as any of the value's strings.
const sharedStrings = 4 << 10

var (
	errTruncated = errors.New("fastwire: truncated input")
	errVarint    = errors.New("fastwire: varint overflows 64 bits")
	errEmpty     = errors.New("fastwire: empty input")
)

// NewReader returns a Reader of data, which must start with Header.
func NewReader(data []byte) Reader {
	var r Reader
	r.Reset(data)
	return r
}

// Reset makes r a Reader of data, which must start with Header.
func (r *Reader) Reset(data []byte) {
	*r = Reader{data: data}
	switch {
	case len(data) == 0:
		r.Fail(errEmpty)
	case data[0] != Header:
		r.Fail(fmt.Errorf("fastwire: header byte 0x%02x, want 0x%02x (not codec=fast version 1 data)", data[0], Header))
	default:
		r.off = 1
	}
}

// Finish returns the first error met, or an error when bytes remain after
// the value.
func (r *Reader) Finish() error {
	if r.err != nil {
		return r.err
	}
	if r.off != len(r.data) {
		return fmt.Errorf("fastwire: %d trailing bytes after the value", len(r.data)-r.off)
	}
	return nil
}

// Err returns the first error met so far.
func (r *Reader) Err() error { return r.err }

// Fail records err unless an error is already recorded.
func (r *Reader) Fail(err error) {
	if r.err == nil {
		r.err = err
		r.off = len(r.data) // nothing more is read
	}
}

func (r *Reader) failf(format string, args ...any) { r.Fail(fmt.Errorf("fastwire: "+format, args...)) }

// Remaining returns how many bytes are left.
func (r *Reader) Remaining() int { return len(r.data) - r.off }

// Enter starts a struct, failing when structs nest deeper than MaxDepth.
func (r *Reader) Enter() {
	if r.depth >= MaxDepth {
		r.Fail(ErrDepth)
		return
	}
	r.depth++
}

// Field reports whether the struct's next field is the one tagged tag, and
// consumes the tag when it is.
func (r *Reader) Field(tag uint64) bool {
	if !r.pending {
		r.readTag()
	}
	// After an error the pending tag is 0, which no field has.
	if r.tag == tag {
		r.pending = false
		return true
	}
	return false
}

//go:noinline (keeps Field small enough to inline)
func (r *Reader) readTag() {
	r.tag = r.uvarint()
	r.pending = true
}

// Leave ends a struct: its next byte must be the 0x00 that ends it.
func (r *Reader) Leave() {
	if !r.pending {
		r.tag = r.uvarint()
	}
	r.pending = false
	if r.tag != 0 && r.err == nil {
		r.failf("unexpected field tag %d (unknown, repeated or out of order)", r.tag)
	}
	r.depth--
}

func (r *Reader) uvarint() uint64 {
	if r.off < len(r.data) {
		if c := r.data[r.off]; c < 0x80 {
			r.off++
			return uint64(c)
		}
	}
	return r.uvarintSlow()
}

func (r *Reader) uvarintSlow() uint64 {
	x, n := binary.Uvarint(r.data[r.off:])
	switch {
	case n == 0:
		r.Fail(errTruncated)
		return 0
	case n < 0:
		r.Fail(errVarint)
		return 0
	}
	r.off += n
	return x
}

func (r *Reader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

// next returns the next n bytes, or nil after recording an error when
// fewer remain.
func (r *Reader) next(n int) []byte {
	if n > len(r.data)-r.off {
		r.Fail(errTruncated)
		return nil
	}
	p := r.data[r.off : r.off+n : r.off+n]
	r.off += n
	return p
}

// Bool reads a bool.
func (r *Reader) Bool() bool {
	p := r.next(1)
	if p == nil {
		return false
	}
	switch p[0] {
	case 0:
		return false
	case 1:
		return true
	}
	r.failf("bool byte 0x%02x", p[0])
	return false
}

// Int64 reads a signed integer.
func (r *Reader) Int64() int64 { return r.varint() }

// Int reads a signed integer that must fit an int.
func (r *Reader) Int() int {
	x := r.varint()
	if int64(int(x)) != x {
		r.failf("integer %d overflows int", x)
		return 0
	}
	return int(x)
}

// Int32 reads a signed integer that must fit an int32.
func (r *Reader) Int32() int32 {
	x := r.varint()
	if int64(int32(x)) != x {
		r.failf("integer %d overflows int32", x)
		return 0
	}
	return int32(x)
}

// Int16 reads a signed integer that must fit an int16.
func (r *Reader) Int16() int16 {
	x := r.varint()
	if int64(int16(x)) != x {
		r.failf("integer %d overflows int16", x)
		return 0
	}
	return int16(x)
}

// Int8 reads a signed integer that must fit an int8.
func (r *Reader) Int8() int8 {
	x := r.varint()
	if int64(int8(x)) != x {
		r.failf("integer %d overflows int8", x)
		return 0
	}
	return int8(x)
}

// Uint64 reads an unsigned integer.
func (r *Reader) Uint64() uint64 { return r.uvarint() }

// Uint reads an unsigned integer that must fit a uint.
func (r *Reader) Uint() uint {
	x := r.uvarint()
	if uint64(uint(x)) != x {
		r.failf("integer %d overflows uint", x)
		return 0
	}
	return uint(x)
}

// Uint32 reads an unsigned integer that must fit a uint32.
func (r *Reader) Uint32() uint32 {
	x := r.uvarint()
	if x > math.MaxUint32 {
		r.failf("integer %d overflows uint32", x)
		return 0
	}
	return uint32(x)
}

// Uint16 reads an unsigned integer that must fit a uint16.
func (r *Reader) Uint16() uint16 {
	x := r.uvarint()
	if x > math.MaxUint16 {
		r.failf("integer %d overflows uint16", x)
		return 0
	}
	return uint16(x)
}

// Uint8 reads an unsigned integer that must fit a uint8.
func (r *Reader) Uint8() uint8 {
	x := r.uvarint()
	if x > math.MaxUint8 {
		r.failf("integer %d overflows uint8", x)
		return 0
	}
	return uint8(x)
}

// Float64 reads a float64.
func (r *Reader) Float64() float64 {
	p := r.next(8)
	if p == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p))
}

// Float32 reads a float32.
func (r *Reader) Float32() float32 {
	p := r.next(4)
	if p == nil {
		return 0
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(p))
}

// length reads a length and checks that n elements of at least min bytes
// each fit in what remains. It returns -1 after an error.
func (r *Reader) length(u uint64, min int) int {
	rem := uint64(len(r.data) - r.off)
	if u > rem/uint64(max(min, 1)) {
		if r.err == nil {
			r.failf("length %d exceeds the %d bytes left", u, rem)
		}
		return -1
	}
	return int(u)
}

// String reads a string. The strings of a small value share one copy of
// the input; strings are immutable, so none can change another.
func (r *Reader) String() string {
	n := r.length(r.uvarint(), 1)
	if n <= 0 {
		return ""
	}
	if len(r.data) > sharedStrings {
		return string(r.next(n))
	}
	if r.strs == nil {
		r.strs = make([]byte, len(r.data))
		copy(r.strs, r.data)
	}
	off := r.off
	r.off += n
	return unsafe.String(&r.strs[off], n)
}

// Bytes reads a byte slice: nil, or a new slice.
func (r *Reader) Bytes() []byte {
	u := r.uvarint()
	if u == 0 {
		return nil
	}
	n := r.length(u-1, 1)
	if n < 0 {
		return nil
	}
	out := make([]byte, n)
	copy(out, r.next(n))
	return out
}

// Raw fills a byte array (p is the array sliced whole).
func (r *Reader) Raw(p []byte) { copy(p, r.next(len(p))) }

// Time reads a time.Time: in time.UTC for offset 0, else in a fixed zone.
func (r *Reader) Time() time.Time {
	sec := r.varint()
	nsec := r.uvarint()
	off := r.varint()
	if r.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 || off <= -maxOffset || off >= maxOffset {
		r.failf("invalid time (nanoseconds %d, offset %ds)", nsec, off)
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).In(fixedZone(int(off)))
}

// Date reads a runtime.Date.
func (r *Reader) Date() pyval.Date {
	return pyval.Date{Year: r.Int(), Month: time.Month(r.Int()), Day: r.Int()}
}

// Decimal reads a runtime.Decimal, validating its text.
func (r *Reader) Decimal() pyval.Decimal {
	s := r.String()
	if s == "" || r.err != nil {
		return pyval.Decimal{}
	}
	d, err := pyval.ParseDecimal(s)
	if err != nil {
		r.Fail(fmt.Errorf("fastwire: %w", err))
	}
	return d
}

// Ptr reads a pointer's presence byte.
func (r *Reader) Ptr() bool { return r.Bool() }

// PtrField reports whether the next field is the pointer field tagged tag
// and is not nil.
func (r *Reader) PtrField(tag uint64) bool { return r.Field(tag) && r.Bool() }

// Len reads the length of a slice or map whose elements take at least min
// bytes each: -1 for nil (and after an error), else the number of
// elements, which is checked against the bytes left.
func (r *Reader) Len(min int) int {
	u := r.uvarint()
	if u == 0 {
		return -1
	}
	return r.length(u-1, min)
}

// LenField is Field and then Len: -1 when the field is absent or nil.
func (r *Reader) LenField(tag uint64, min int) int {
	if !r.Field(tag) {
		return -1
	}
	return r.Len(min)
}

// MapLen checks that a map of want entries ended up with got: fewer means
// a key was repeated.
func (r *Reader) MapLen(got, want int) {
	if got != want && r.err == nil {
		r.failf("map of %d entries has only %d distinct keys", want, got)
	}
}

// zoneCache holds one fixed zone per quarter-hour offset in (−24h, +24h),
// so decoding a zoned time does not allocate a *time.Location each time.
var zoneCache [2*96 + 1]atomic.Pointer[time.Location]

const maxOffset = 24 * 60 * 60 // exclusive

// fixedZone returns time.UTC for offset 0 (so a decoded UTC time equals one
// made with time.UTC, and the zero time comes back as time.Time{}), a
// cached zone for quarter hours, and a new zone otherwise.
func fixedZone(off int) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if off%900 != 0 {
		return time.FixedZone("", off)
	}
	slot := &zoneCache[off/900+96]
	if l := slot.Load(); l != nil {
		return l
	}
	l := time.FixedZone("", off)
	slot.Store(l)
	return l
}

package fastwire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

func writer() *Writer {
	w := new(Writer)
	w.Reset()
	return w
}

func result(t *testing.T, w *Writer) []byte {
	t.Helper()
	b, err := w.Result()
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}

// TestPayloads writes each payload and reads it back, checking the bytes
// the format documents.
func TestPayloads(t *testing.T) {
	ny := time.FixedZone("", -4*3600)
	for _, tc := range []struct {
		name  string
		write func(*Writer)
		hex   string // payload after the header
		read  func(*Reader) any
		want  any
	}{
		{"bool", func(w *Writer) { w.Bool(true) }, "01", func(r *Reader) any { return r.Bool() }, true},
		{"int -1", func(w *Writer) { w.Int(-1) }, "01", func(r *Reader) any { return r.Int64() }, int64(-1)},
		{"int 64", func(w *Writer) { w.Int(64) }, "8001", func(r *Reader) any { return r.Int64() }, int64(64)},
		{"int min", func(w *Writer) { w.Int(math.MinInt64) }, "ffffffffffffffffff01", func(r *Reader) any { return r.Int64() }, int64(math.MinInt64)},
		{"int8", func(w *Writer) { w.Int(-128) }, "ff01", func(r *Reader) any { return r.Int8() }, int8(-128)},
		{"int16", func(w *Writer) { w.Int(math.MaxInt16) }, "feff03", func(r *Reader) any { return r.Int16() }, int16(math.MaxInt16)},
		{"int32", func(w *Writer) { w.Int(math.MinInt32) }, "ffffffff0f", func(r *Reader) any { return r.Int32() }, int32(math.MinInt32)},
		{"int", func(w *Writer) { w.Int(7) }, "0e", func(r *Reader) any { return r.Int() }, 7},
		{"uint max", func(w *Writer) { w.Uint(math.MaxUint64) }, "ffffffffffffffffff01", func(r *Reader) any { return r.Uint64() }, uint64(math.MaxUint64)},
		{"uint8", func(w *Writer) { w.Uint(255) }, "ff01", func(r *Reader) any { return r.Uint8() }, uint8(255)},
		{"uint16", func(w *Writer) { w.Uint(65535) }, "ffff03", func(r *Reader) any { return r.Uint16() }, uint16(65535)},
		{"uint32", func(w *Writer) { w.Uint(1 << 31) }, "8080808008", func(r *Reader) any { return r.Uint32() }, uint32(1 << 31)},
		{"uint", func(w *Writer) { w.Uint(1) }, "01", func(r *Reader) any { return r.Uint() }, uint(1)},
		{"float64", func(w *Writer) { w.Float64(1) }, "000000000000f03f", func(r *Reader) any { return r.Float64() }, 1.0},
		{"float32", func(w *Writer) { w.Float32(-2) }, "000000c0", func(r *Reader) any { return r.Float32() }, float32(-2)},
		{"string", func(w *Writer) { w.String("hé") }, "0368c3a9", func(r *Reader) any { return r.String() }, "hé"},
		{"empty string", func(w *Writer) { w.String("") }, "00", func(r *Reader) any { return r.String() }, ""},
		{"nil bytes", func(w *Writer) { w.Bytes(nil) }, "00", func(r *Reader) any { return r.Bytes() == nil }, true},
		{"empty bytes", func(w *Writer) { w.Bytes([]byte{}) }, "01", func(r *Reader) any { b := r.Bytes(); return b != nil && len(b) == 0 }, true},
		{"bytes", func(w *Writer) { w.Bytes([]byte{9, 8}) }, "030908", func(r *Reader) any { return r.Bytes() }, []byte{9, 8}},
		{"raw", func(w *Writer) { w.Raw([]byte{1, 2, 3}) }, "010203", func(r *Reader) any { var a [3]byte; r.Raw(a[:]); return a }, [3]byte{1, 2, 3}},
		{"time utc", func(w *Writer) { w.Time(time.Unix(1, 5).UTC()) }, "020500", func(r *Reader) any { return r.Time() }, time.Unix(1, 5).UTC()},
		{"time zoned", func(w *Writer) { w.Time(time.Unix(-1, 0).In(ny)) }, "0100ffe001", func(r *Reader) any { return r.Time().String() }, time.Unix(-1, 0).In(ny).String()},
		{"date", func(w *Writer) { w.Date(pyval.Date{Year: 2024, Month: 2, Day: 29}) }, "d01f043a", func(r *Reader) any { return r.Date() }, pyval.Date{Year: 2024, Month: 2, Day: 29}},
		{"decimal", func(w *Writer) { w.Decimal(pyval.MustDecimal("1.50")) }, "04312e3530", func(r *Reader) any { return r.Decimal() }, pyval.MustDecimal("1.50")},
		{"zero decimal", func(w *Writer) { w.Decimal(pyval.Decimal{}) }, "00", func(r *Reader) any { return r.Decimal() }, pyval.Decimal{}},
		{"nil pointer", func(w *Writer) { w.Ptr(false) }, "00", func(r *Reader) any { return r.Ptr() }, false},
		{"nil slice", func(w *Writer) { w.Len(false, 0) }, "00", func(r *Reader) any { return r.Len(1) }, -1},
		{"empty slice", func(w *Writer) { w.Len(true, 0) }, "01", func(r *Reader) any { return r.Len(1) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := writer()
			tc.write(w)
			data := result(t, w)
			if got := hex.EncodeToString(data[1:]); got != tc.hex {
				t.Errorf("bytes %s, want %s", got, tc.hex)
			}
			r := NewReader(data)
			got := tc.read(&r)
			if err := r.Finish(); err != nil {
				t.Fatal(err)
			}
			if !equal(got, tc.want) {
				t.Fatalf("read %#v, want %#v", got, tc.want)
			}
		})
	}
}

func equal(a, b any) bool {
	if x, ok := a.([]byte); ok {
		return bytes.Equal(x, b.([]byte))
	}
	if x, ok := a.(time.Time); ok {
		return x == b.(time.Time)
	}
	return a == b
}

// TestFieldsOmitZero checks which zero values a struct leaves out.
func TestFieldsOmitZero(t *testing.T) {
	w := writer()
	w.BoolField(1, false)
	w.IntField(2, 0)
	w.UintField(3, 0)
	w.Float64Field(4, 0)
	w.Float32Field(5, 0)
	w.StringField(6, "")
	w.BytesField(7, nil)
	w.RawField(8, make([]byte, 16))
	w.TimeField(9, time.Time{})
	w.TimeField(9, time.Unix(-62135596800, 0).UTC()) // the zero instant, in UTC
	w.DateField(10, pyval.Date{})
	w.DecimalField(11, pyval.Decimal{})
	w.PtrField(12, false)
	w.LenField(13, false, 0)
	if got := hex.EncodeToString(result(t, w)); got != "f1" {
		t.Fatalf("zero fields wrote %s", got)
	}
	w.Reset()
	w.Float64Field(1, math.Copysign(0, -1))
	w.TimeField(2, time.Time{}.In(time.FixedZone("", 3600)))
	w.BytesField(3, []byte{})
	w.LenField(4, true, 0)
	w.Tag(300)
	if got := hex.EncodeToString(result(t, w)); got != "f101000000000000008002ffdb8ff9ce0300a03803010401ac02" {
		t.Fatalf("non-zero fields wrote %s", got)
	}
}

func TestStructTags(t *testing.T) {
	w := writer()
	w.Enter()
	w.IntField(1, 5)
	w.IntField(3, 7)
	w.Leave()
	data := result(t, w)

	read := func(data []byte, tags ...uint64) (map[uint64]int64, error) {
		r := NewReader(data)
		got := map[uint64]int64{}
		r.Enter()
		for _, tag := range tags {
			if r.Field(tag) {
				got[tag] = r.Int64()
			}
		}
		r.Leave()
		return got, r.Finish()
	}
	got, err := read(data, 1, 2, 3, 4)
	if err != nil || len(got) != 2 || got[1] != 5 || got[3] != 7 {
		t.Fatalf("got %v, %v", got, err)
	}
	// A reader that does not know field 3 fails at the end of the struct.
	if _, err := read(data, 1, 2); err == nil || !strings.Contains(err.Error(), "unexpected field tag 3") {
		t.Fatalf("unknown tag: %v", err)
	}
}

func TestDepthLimits(t *testing.T) {
	w := writer()
	n := 0
	for w.Enter() {
		n++
	}
	if n != MaxDepth {
		t.Fatalf("Enter succeeded %d times, want %d", n, MaxDepth)
	}
	if _, err := w.Result(); !errors.Is(err, ErrDepth) {
		t.Fatalf("Result after too deep: %v", err)
	}
	w.Reset()
	if _, err := w.Result(); err != nil {
		t.Fatalf("Reset kept the error: %v", err)
	}
	w.Time(time.Unix(0, 0).In(time.FixedZone("", 25*3600)))
	if _, err := w.Result(); err == nil || !strings.Contains(err.Error(), "24h") {
		t.Fatalf("a 25h zone offset: %v", err)
	}

	data := append([]byte{Header}, make([]byte, MaxDepth+1)...)
	r := NewReader(data)
	for range MaxDepth + 1 {
		r.Enter()
	}
	if !errors.Is(r.Err(), ErrDepth) {
		t.Fatalf("reader depth: %v", r.Err())
	}
}

// TestStickyErrors checks that after an error nothing more is read and
// every method returns a zero value.
func TestStickyErrors(t *testing.T) {
	r := NewReader([]byte{Header, 0x02}) // bool byte 2
	if r.Bool() || r.Err() == nil {
		t.Fatal("bool byte 2 accepted")
	}
	first := r.Err()
	if r.Int64() != 0 || r.String() != "" || r.Bytes() != nil || r.Len(1) != -1 || r.Field(1) || r.Ptr() || !r.Time().IsZero() {
		t.Fatal("a method returned a value after an error")
	}
	if r.Err() != first || r.Finish() != first {
		t.Fatal("the first error was replaced")
	}
	r = NewReader([]byte{0x00, Header})
	if r.Field(1) || r.Remaining() != 0 || r.Finish() == nil {
		t.Fatal("a reader with a bad header read on")
	}
}

func TestLengthBounds(t *testing.T) {
	for _, tc := range []struct {
		data []byte
		min  int
		want int
	}{
		{[]byte{Header, 4, 1, 2, 3}, 1, 3},
		{[]byte{Header, 5, 1, 2, 3}, 1, -1}, // 4 elements, 3 bytes
		{[]byte{Header, 3, 1, 2, 3}, 2, -1}, // 2 elements of at least 2 bytes, 3 bytes
		{[]byte{Header, 2, 1, 2, 3}, 3, 1},
		{[]byte{Header, 0x80}, 1, -1}, // truncated varint
	} {
		r := NewReader(tc.data)
		if got := r.Len(tc.min); got != tc.want {
			t.Errorf("Len(%d) of %x = %d, want %d", tc.min, tc.data, got, tc.want)
		}
	}
}

func TestInvalidValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		read func(*Reader)
		want string
	}{
		{"int overflow", []byte{Header, 0x80, 0x80, 0x80, 0x80, 0x10}, func(r *Reader) { r.Int32() }, "overflows int32"},
		{"int16 overflow", []byte{Header, 0x80, 0x80, 0x04}, func(r *Reader) { r.Int16() }, "overflows int16"},
		{"uint32 overflow", []byte{Header, 0x80, 0x80, 0x80, 0x80, 0x10}, func(r *Reader) { r.Uint32() }, "overflows uint32"},
		{"uint16 overflow", []byte{Header, 0x80, 0x80, 0x04}, func(r *Reader) { r.Uint16() }, "overflows uint16"},
		{"nanoseconds", []byte{Header, 0, 0x80, 0x94, 0xeb, 0xdc, 0x03, 0}, func(r *Reader) { r.Time() }, "invalid time"},
		{"offset", []byte{Header, 0, 0, 0x80, 0xc6, 0x0a}, func(r *Reader) { r.Time() }, "invalid time"},
		{"decimal", []byte{Header, 1, 'x'}, func(r *Reader) { r.Decimal() }, "invalid decimal"},
		{"map keys", []byte{Header}, func(r *Reader) { r.MapLen(1, 2) }, "distinct keys"},
		{"float cut", []byte{Header, 1, 2, 3}, func(r *Reader) { r.Float32() }, "truncated"},
		{"raw cut", []byte{Header, 1}, func(r *Reader) { var a [2]byte; r.Raw(a[:]) }, "truncated"},
	} {
		r := NewReader(tc.data)
		tc.read(&r)
		if err := r.Err(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestSharedStrings(t *testing.T) {
	w := writer()
	w.String("abc")
	w.String("de")
	data := result(t, w)
	r := NewReader(data)
	a, b := r.String(), r.String()
	must := r.Finish()
	if must != nil || a != "abc" || b != "de" {
		t.Fatal(a, b, must)
	}
	// The strings do not alias the input.
	clear(data)
	if a != "abc" || b != "de" {
		t.Fatalf("strings changed with the input: %q %q", a, b)
	}
	// Big inputs get a copy per string.
	big := strings.Repeat("x", sharedStrings+1)
	w.Reset()
	w.String(big)
	data = result(t, w)
	r = NewReader(data)
	if s := r.String(); s != big || r.Finish() != nil {
		t.Fatal("big string")
	}
}

func TestZones(t *testing.T) {
	if fixedZone(0) != time.UTC {
		t.Fatal("offset 0 is not UTC")
	}
	if a, b := fixedZone(3600), fixedZone(3600); a != b {
		t.Fatal("quarter-hour zones are not cached")
	}
	if _, off := time.Unix(0, 0).In(fixedZone(-17762)).Zone(); off != -17762 {
		t.Fatal("odd offset")
	}
	if _, off := time.Unix(0, 0).In(fixedZone(-maxOffset + 900)).Zone(); off != -maxOffset+900 {
		t.Fatal("extreme offset")
	}
}

func TestSortedKeys(t *testing.T) {
	if got := SortedKeys(map[string]int{"b": 1, "a": 2, "": 3}); !slices.Equal(got, []string{"", "a", "b"}) {
		t.Fatal(got)
	}
	got := SortedKeysFunc(map[[2]byte]bool{{2, 0}: true, {1, 9}: true}, func(a, b [2]byte) int { return bytes.Compare(a[:], b[:]) })
	if !slices.Equal(got, [][2]byte{{1, 9}, {2, 0}}) {
		t.Fatal(got)
	}
	if len(SortedKeys(map[int]int(nil))) != 0 {
		t.Fatal("nil map")
	}
}

// BenchmarkReader reads a struct of four fields.
func BenchmarkReader(b *testing.B) {
	w := writer()
	w.Enter()
	w.IntField(1, 123456)
	w.StringField(2, "ann@example.com")
	w.BoolField(3, true)
	w.TimeField(4, time.Unix(1700000000, 5).UTC())
	w.Leave()
	data, _ := w.Result()
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(data)
		r.Enter()
		if r.Field(1) {
			_ = r.Int64()
		}
		if r.Field(2) {
			_ = r.String()
		}
		if r.Field(3) {
			_ = r.Bool()
		}
		if r.Field(4) {
			_ = r.Time()
		}
		r.Leave()
		if err := r.Finish(); err != nil {
			b.Fatal(err)
		}
	}
}

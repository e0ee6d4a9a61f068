package fastbench

import (
	"bytes"
	"encoding/hex"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cachegen/cachegen/runtime"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

var newYork = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		// No tz database: a zone with the same offsets is enough here.
		return time.FixedZone("EST", -5*3600)
	}
	return l
}()

// decodedTime is what a time becomes after a round trip: its instant in
// time.UTC when its offset is 0, else in an unnamed fixed zone.
func decodedTime(t time.Time) time.Time {
	_, off := t.Zone()
	if off == 0 {
		return time.Unix(t.Unix(), int64(t.Nanosecond())).UTC()
	}
	return time.Unix(t.Unix(), int64(t.Nanosecond())).In(time.FixedZone("", off))
}

func roundTrip[T any](t *testing.T, c runtime.Codec, in *T) *T {
	t.Helper()
	data, err := c.Marshal(in)
	must(t, err)
	if data[0] != 0xF1 {
		t.Fatalf("encoding starts with %#x, want the header 0xF1", data[0])
	}
	out := new(T)
	if err := c.Unmarshal(data, out); err != nil {
		t.Fatalf("Unmarshal of Marshal's output: %v\n%s", err, hex.Dump(data))
	}
	again, err := c.Marshal(out)
	must(t, err)
	if !bytes.Equal(data, again) {
		t.Fatalf("re-encoding the decoded value gives other bytes:\n%s\n%s", hex.Dump(data), hex.Dump(again))
	}
	return out
}

// full returns an All with every field set to something other than zero.
func full() *All {
	k1, k2 := uuid.MustParse("7d444840-9dc0-11d1-b245-5ffdce74fad2"), uuid.MustParse("00000000-0000-0000-0000-000000000001")
	a := &All{
		ID: math.MinInt64, I: math.MaxInt, I8: math.MinInt8, I16: math.MaxInt16, I32: math.MinInt32,
		U: math.MaxUint, U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxUint64,
		F32: float32(math.Inf(-1)), F64: math.Copysign(0, -1), OK: true, Name: "Zoë ☃\x00\xff",
		Raw:    []byte{0, 1, 2, 255},
		When:   time.Date(2024, 3, 10, 1, 59, 59, 999999999, newYork),
		Wait:   -90 * time.Minute,
		Month:  time.December,
		UUID:   k1,
		Day:    runtime.Date{Year: 2024, Month: time.February, Day: 29},
		Price:  runtime.Decimal{},
		Status: 200, Label: "label", Blob: Blob("blob"),
		Ptr:    ptr(""),
		PtrPtr: ptr(ptr(-7)),
		Times:  []time.Time{{}, time.Unix(0, 1).UTC(), time.Date(1, 1, 1, 0, 0, 0, 0, newYork), time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("x", 5*3600+45*60))},
		Tags:   []string{"", "a", strings.Repeat("b", 300)},
		Matrix: [][]int32{nil, {}, {1, -1, math.MaxInt32}},
		Grid:   [2][3]int{{1, 2, 3}, {-4, -5, -6}},
		Hash:   [4]byte{0xde, 0xad, 0, 0},
		Counts: map[string]int{"b": 2, "a": 1, "": 0},
		ByID:   map[uuid.UUID]*Point{k1: {X: 1, Next: &Point{Y: 2}}, k2: nil, uuid.Nil: {}},
		Nested: map[int64][]Label{-1: nil, 0: {}, 1: {"x", "y"}},
		Here:   Point{X: math.NaN(), Y: math.Inf(1)},
		There:  &Point{Next: &Point{Next: &Point{X: 3}}},
		Path:   []Point{{}, {X: 1}},
		Last:   1,
	}
	a.Price, _ = runtime.ParseDecimal("-123.4500E+2")
	a.Anon.A = "anon"
	a.Anon.B = &struct{ C []bool }{C: []bool{true, false}}
	return a
}

// decoded returns what a round trip makes of a: the same, times aside.
func decoded(a *All) *All {
	b := cloneAll(a)
	b.When = decodedTime(a.When)
	for i, t := range a.Times {
		b.Times[i] = decodedTime(t)
	}
	b.Skipped = nil
	return b
}

// equalAll compares two Alls as DeepEqual does, but NaNs compare equal to
// themselves (as their bits do).
func equalAll(a, b *All) bool {
	if math.IsNaN(a.Here.X) && math.IsNaN(b.Here.X) {
		a, b = cloneAll(a), cloneAll(b)
		a.Here.X, b.Here.X = 0, 0
	}
	return reflect.DeepEqual(a, b)
}

func TestRoundTripAll(t *testing.T) {
	in := full()
	in.Skipped = func() {}
	out := roundTrip(t, fastAllCodec, in)
	if want := decoded(in); !equalAll(out, want) {
		t.Fatalf("round trip changed the value:\n got %+v\nwant %+v", out, want)
	}
	if out.Skipped != nil {
		t.Error(`a field tagged cache:"-" was decoded`)
	}
	if !out.When.Equal(in.When) || out.When.Format(time.RFC3339Nano) != in.When.Format(time.RFC3339Nano) {
		t.Errorf("time in a named zone: %v, want the same instant and offset as %v", out.When, in.When)
	}
	if math.Float64bits(out.F64) != math.Float64bits(math.Copysign(0, -1)) {
		t.Errorf("-0.0 came back as %v", out.F64)
	}
}

// TestRoundTripEachField sets one field at a time, so that every other
// field is omitted: each type's encoding stands alone.
func TestRoundTripEachField(t *testing.T) {
	src := full()
	rv := reflect.ValueOf(src).Elem()
	for i := range rv.NumField() {
		f := rv.Type().Field(i)
		if f.Name == "Skipped" {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			in := new(All)
			reflect.ValueOf(in).Elem().Field(i).Set(rv.Field(i))
			out := roundTrip(t, fastAllCodec, in)
			if want := decoded(in); !equalAll(out, want) {
				t.Fatalf("got %+v\nwant %+v", reflect.ValueOf(out).Elem().Field(i), reflect.ValueOf(want).Elem().Field(i))
			}
		})
	}
}

func TestRoundTripZeroAndEmpty(t *testing.T) {
	zero := roundTrip(t, fastAllCodec, &All{})
	if !reflect.DeepEqual(zero, &All{}) {
		t.Fatalf("zero All came back as %+v", zero)
	}
	if !zero.When.IsZero() || zero.When != (time.Time{}) {
		t.Errorf("zero time came back as %#v", zero.When)
	}
	// Nil stays nil and empty stays empty, at every level.
	empty := &All{Raw: []byte{}, Blob: Blob{}, Tags: []string{}, Matrix: [][]int32{{}}, Counts: map[string]int{},
		ByID: map[uuid.UUID]*Point{}, Nested: map[int64][]Label{1: {}, 2: nil}, Path: []Point{}, Times: []time.Time{}}
	out := roundTrip(t, fastAllCodec, empty)
	if !reflect.DeepEqual(out, empty) {
		t.Fatalf("empty collections: got %+v, want %+v", out, empty)
	}
	for name, isNil := range map[string]bool{
		"Raw": out.Raw == nil, "Blob": out.Blob == nil, "Tags": out.Tags == nil, "Matrix[0]": out.Matrix[0] == nil,
		"Counts": out.Counts == nil, "ByID": out.ByID == nil, "Nested[1]": out.Nested[1] == nil, "Path": out.Path == nil,
	} {
		if isNil {
			t.Errorf("empty %s came back nil", name)
		}
	}
	if out.Nested[2] != nil {
		t.Error("nil Nested[2] came back empty")
	}
	if _, ok := out.Nested[2]; !ok {
		t.Error("the key of a nil map value was lost")
	}
	// A zero time in another zone is not the omitted zero time: its
	// offset survives.
	z := roundTrip(t, fastAllCodec, &All{When: time.Time{}.In(newYork)})
	if _, off := z.When.Zone(); !z.When.IsZero() || off == 0 {
		t.Errorf("zero instant in New York came back as %v", z.When)
	}
}

func TestRoundTripTimes(t *testing.T) {
	for _, tm := range []time.Time{
		{},
		time.Date(2024, 6, 1, 12, 0, 0, 123456789, time.UTC),
		time.Date(2024, 6, 1, 12, 0, 0, 0, newYork),  // EDT, -4h
		time.Date(2024, 12, 1, 12, 0, 0, 0, newYork), // EST, -5h
		time.Date(1, 1, 1, 0, 0, 0, 0, newYork),      // local mean time: not a quarter hour
		time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("", 5*3600+45*60)),
		time.Now(), // monotonic reading dropped
		time.Unix(-1, 999999999).UTC(),
	} {
		out := roundTrip(t, fastUserCodec, &User{Created: tm})
		_, off := tm.Zone()
		_, gotOff := out.Created.Zone()
		if !out.Created.Equal(tm) || gotOff != off {
			t.Errorf("%v came back as %v", tm, out.Created)
		}
		if off == 0 && out.Created.Location() != time.UTC {
			t.Errorf("%v came back in %v, want UTC", tm, out.Created.Location())
		}
	}
}

// TestWireFormat pins the bytes of one value, as documented in package
// fastwire: changing them needs a new format version.
func TestWireFormat(t *testing.T) {
	u := &User{ID: -3, Email: "a@b", Age: 300, Active: true,
		Created: time.Date(2024, 1, 2, 3, 4, 5, 6, time.FixedZone("", 3600)), Tags: []string{"x", ""}}
	data, err := fastUserCodec.Marshal(u)
	must(t, err)
	want := "f1" + // header
		"01" + "05" + // ID: tag 1, zigzag(-3) = 5
		"02" + "03" + hex.EncodeToString([]byte("a@b")) + // Email; Name (3) omitted
		"04" + "d804" + // Age: zigzag(300) = 600
		"05" + "01" + // Active
		"06" + "aabc9bd90c" + "06" + "a038" + // Created: zigzag(Unix 1704161045), ns 6, zigzag(offset 3600)
		"07" + "03" + "0178" + "00" + // Tags: 2+1 elements, "x", ""
		"00" // end of struct
	if got := hex.EncodeToString(data); got != want {
		t.Fatalf("wire bytes\n got %s\nwant %s", got, want)
	}
}

func TestCloneShares(t *testing.T) {
	in := full()
	c := cloneAll(in)
	if !equalAll(c, in) {
		t.Fatal("clone differs from the original")
	}
	// Change everything reachable from the clone; the original must not move.
	keep := cloneAll(in)
	c.Raw[0]++
	c.Blob[0]++
	*c.Ptr = "changed"
	**c.PtrPtr = 99
	c.Times[0] = time.Now()
	c.Tags[0] = "changed"
	c.Matrix[2][0] = 42
	c.Counts["a"] = 42
	c.ByID[uuid.Nil].X = 42
	for _, p := range c.ByID {
		if p != nil && p.Next != nil {
			p.Next.Y = 42
		}
	}
	c.Nested[1][0] = "changed"
	c.Here.Y = 42
	c.There.Next.Next.X = 42
	c.Path[1].X = 42
	c.Anon.B.C[0] = false
	if !equalAll(in, keep) {
		t.Fatal("changing the clone changed the original")
	}
	if cloneAll(nil) != nil || cloneUser(nil) != nil {
		t.Fatal("clone of nil is not nil")
	}
	empty := &All{Tags: []string{}, Counts: map[string]int{}}
	if e := cloneAll(empty); e.Tags == nil || e.Counts == nil || e.Raw != nil {
		t.Fatal("clone lost nil versus empty")
	}
}

// TestCloneAllocations checks one allocation per struct, slice and map,
// except that the struct and its first plain slice share one
// (cacheimpl.CloneWith).
func TestCloneAllocations(t *testing.T) {
	u := benchUser()
	if n := testing.AllocsPerRun(100, func() { sink = cloneUser(u) }); n != 1 {
		t.Errorf("cloneUser: %v allocations, want 1 (the struct and Tags together)", n)
	}
}

var sink *User

package pyval

import (
	"errors"
	"math"
	"math/big"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

type inner struct {
	Deep string
}

type Embedded struct {
	Promoted int
	Shadow   string
}

type user struct {
	ID      int64
	Name    string `json:"name"`
	Email   string `msgpack:"mail"`
	Tags    []int
	Ptr     *int
	When    time.Time
	Day     Date
	Amount  Decimal
	UID     uuid.UUID
	Big     *big.Int
	Raw     []byte
	Text    string
	Attrs   map[string]float64
	ByID    map[int64]string
	Any     any
	Nested  inner
	Pair    [2]int
	Addr    netip.Addr
	Skipped string `cache:"-"`
	Float32 float32
	Uint8   uint8
	Embedded
	Shadow string
}

func TestAssignStruct(t *testing.T) {
	uid := uuid.MustParse("12345678-1234-5678-1234-567812345678")
	when := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.FixedZone("", 3600))
	big100 := new(big.Int).Lsh(big.NewInt(1), 100)
	src := map[string]any{
		"ID":       int64(7),
		"name":     "Ann",           // json tag
		"MAIL":     "a@example.com", // msgpack tag, case-insensitive
		"tags":     []any{int64(1), uint64(2), float64(3)},
		"Ptr":      int64(5),
		"When":     when,
		"Day":      Date{2024, 2, 29},
		"Amount":   "123.4500",
		"UID":      uid[:],
		"Big":      big100,
		"Raw":      "bytes from str",
		"Text":     []byte("str from bytes"),
		"Attrs":    map[string]any{"a": int64(1), "b": 2.5},
		"ByID":     map[any]any{int64(1): "one"},
		"Any":      []any{"x"},
		"Nested":   map[string]any{"deep": "down"},
		"Pair":     []any{int64(1), int64(2)},
		"Addr":     "192.0.2.1",
		"Skipped":  "never",
		"Float32":  int64(3),
		"Uint8":    float64(255),
		"Promoted": int64(9),
		"Shadow":   "outer",
		"unknown":  "ignored",
	}
	var u user
	if err := Assign(&u, src); err != nil {
		t.Fatal(err)
	}
	five := 5
	want := user{
		ID: 7, Name: "Ann", Email: "a@example.com", Tags: []int{1, 2, 3}, Ptr: &five,
		When: when, Day: Date{2024, 2, 29}, Amount: MustDecimal("123.4500"), UID: uid, Big: big100,
		Raw: []byte("bytes from str"), Text: "str from bytes",
		Attrs: map[string]float64{"a": 1, "b": 2.5}, ByID: map[int64]string{1: "one"},
		Any: []any{"x"}, Nested: inner{Deep: "down"}, Pair: [2]int{1, 2},
		Addr: netip.MustParseAddr("192.0.2.1"), Float32: 3, Uint8: 255,
		Embedded: Embedded{Promoted: 9}, Shadow: "outer",
	}
	if !reflect.DeepEqual(u, want) {
		t.Fatalf("got  %+v\nwant %+v", u, want)
	}
}

func TestAssignErrors(t *testing.T) {
	type tagged struct {
		Tags []int
	}
	type small struct {
		I8  int8
		U   uint
		I   int
		F32 float32
		B   bool
		S   string
		Arr [2]int
		BA  [4]byte
		U2  uuid.UUID
		T   time.Time
		D   Date
		Dec Decimal
		M   map[string]int
		St  struct{ X int }
	}
	cases := []struct {
		name string
		dst  any
		src  any
		want string
	}{
		{"path", &tagged{}, map[string]any{"Tags": []any{int64(1), int64(2), int64(3), "x"}}, "field .Tags[3]: cannot assign str to int"},
		{"int8 overflow", &small{}, map[string]any{"I8": int64(128)}, "field .I8: value 128 overflows int8"},
		{"uint negative", &small{}, map[string]any{"U": int64(-1)}, "field .U: value -1 overflows uint"},
		{"int from uint64", &small{}, map[string]any{"I": uint64(math.MaxUint64)}, "overflows int"},
		{"int from big", &small{}, map[string]any{"I": new(big.Int).Lsh(big.NewInt(1), 70)}, "overflows int"},
		{"fractional float", &small{}, map[string]any{"I": 1.5}, "field .I: value 1.5 is not an integer"},
		{"nan to int", &small{}, map[string]any{"I": math.NaN()}, "is not an integer"},
		{"huge float to int", &small{}, map[string]any{"I": 1e300}, "overflows int"},
		{"float32 overflow", &small{}, map[string]any{"F32": 1e300}, "overflows float32"},
		{"bool from int", &small{}, map[string]any{"B": int64(1)}, "cannot assign int to bool"},
		{"string from int", &small{}, map[string]any{"S": int64(1)}, "cannot assign int to string"},
		{"array length", &small{}, map[string]any{"Arr": []any{int64(1)}}, "cannot assign list of length 1 to [2]int"},
		{"byte array length", &small{}, map[string]any{"BA": []byte{1}}, "cannot assign 1 bytes to [4]uint8"},
		{"uuid bytes", &small{}, map[string]any{"U2": []byte{1, 2}}, "want 16"},
		{"uuid text", &small{}, map[string]any{"U2": "nope"}, "cannot assign str to uuid.UUID"},
		{"time text", &small{}, map[string]any{"T": "yesterday"}, "invalid isoformat string"},
		{"date text", &small{}, map[string]any{"D": "2024-02-30"}, "invalid date"},
		{"decimal text", &small{}, map[string]any{"Dec": "1.2.3"}, "invalid decimal"},
		{"map value", &small{}, map[string]any{"M": map[string]any{"a": "x"}}, `field .M["a"]: cannot assign str to int`},
		{"nested struct", &small{}, map[string]any{"St": map[string]any{"X": "y"}}, "field .St.X: cannot assign str to int"},
		{"list to struct", &small{}, []any{}, "cannot assign list to pyval.small"},
		{"non-string key", &small{}, map[any]any{int64(1): "x"}, "key 1"},
		{"chan", new(chan int), int64(1), "unsupported destination type chan int"},
		{"interface mismatch", new(error), "x", "cannot assign str to error"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Assign(c.dst, c.src)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to contain %q", err, c.want)
			}
			var ae *AssignError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T is not an *AssignError", err)
			}
		})
	}
}

func TestAssignBadDestination(t *testing.T) {
	var x int
	for _, dst := range []any{nil, x, (*int)(nil)} {
		if err := Assign(dst, int64(1)); err == nil || !strings.Contains(err.Error(), "non-nil pointer") {
			t.Errorf("Assign(%#v): %v", dst, err)
		}
	}
}

func TestAssignNumbers(t *testing.T) {
	var i64 int64
	if err := Assign(&i64, float64(-9007199254740992)); err != nil || i64 != -9007199254740992 {
		t.Fatal(i64, err)
	}
	var u64 uint64
	if err := Assign(&u64, uint64(math.MaxUint64)); err != nil || u64 != math.MaxUint64 {
		t.Fatal(u64, err)
	}
	if err := Assign(&u64, new(big.Int).SetUint64(math.MaxUint64)); err != nil || u64 != math.MaxUint64 {
		t.Fatal(u64, err)
	}
	var f float64
	if err := Assign(&f, new(big.Int).Lsh(big.NewInt(1), 100)); err != nil || f != math.Ldexp(1, 100) {
		t.Fatal(f, err)
	}
	if err := Assign(&f, new(big.Int).Lsh(big.NewInt(1), 2000)); err == nil {
		t.Fatal("2^2000 into float64: no error")
	}
	var f32 float32
	if err := Assign(&f32, math.Inf(-1)); err != nil || !math.IsInf(float64(f32), -1) {
		t.Fatal(f32, err)
	}
	var b big.Int
	if err := Assign(&b, int64(-3)); err != nil || b.Int64() != -3 {
		t.Fatal(b.String(), err)
	}
	var d Decimal
	for src, want := range map[any]string{int64(12): "12", 2.5: "2.5", math.Inf(1): "Infinity", "1E+2": "1E+2"} {
		if err := Assign(&d, src); err != nil || d.String() != want {
			t.Errorf("Decimal from %v: %v %v", src, d, err)
		}
	}
	type level int16
	var l level
	if err := Assign(&l, int64(-32768)); err != nil || l != -32768 {
		t.Fatal(l, err)
	}
}

func TestAssignTimes(t *testing.T) {
	var tm time.Time
	for s, want := range map[string]time.Time{
		"2025-01-01T12:00:00.123456":       time.Date(2025, 1, 1, 12, 0, 0, 123456000, time.UTC),
		"2025-01-01T12:00:00+02:00":        time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC),
		"2025-01-01 12:00:00.5-01:30":      time.Date(2025, 1, 1, 13, 30, 0, 500000000, time.UTC),
		"2025-01-01T12:00:00.000001+00:00": time.Date(2025, 1, 1, 12, 0, 0, 1000, time.UTC),
	} {
		if err := Assign(&tm, s); err != nil || !tm.Equal(want) {
			t.Errorf("%s: got %v, %v", s, tm, err)
		}
	}
	if err := Assign(&tm, Date{2024, 2, 29}); err != nil || !tm.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Error(tm, err)
	}
	var d Date
	if err := Assign(&d, "2024-02-29"); err != nil || d != (Date{2024, 2, 29}) {
		t.Error(d, err)
	}
	if err := Assign(&d, time.Now()); err == nil {
		t.Error("time.Time into Date: no error")
	}
}

func TestAssignNilAndPointers(t *testing.T) {
	type s struct {
		P *int
		L []int
		M map[string]int
		A any
	}
	one := 1
	v := s{P: &one, L: []int{1}, M: map[string]int{"a": 1}, A: 1}
	if err := Assign(&v, map[string]any{"P": nil, "L": nil, "M": nil, "A": nil}); err != nil {
		t.Fatal(err)
	}
	if v.P != nil || v.L != nil || v.M != nil || v.A != nil {
		t.Fatalf("%+v", v)
	}
	var pp **int
	if err := Assign(&pp, int64(4)); err != nil || **pp != 4 {
		t.Fatal(err)
	}
	var a any
	tree := map[string]any{"k": []any{int64(1)}}
	if err := Assign(&a, tree); err != nil || !reflect.DeepEqual(a, tree) {
		t.Fatal(a, err)
	}
	// []byte is copied, not shared.
	src := []byte{1, 2}
	var dst []byte
	if err := Assign(&dst, src); err != nil {
		t.Fatal(err)
	}
	src[0] = 9
	if dst[0] != 1 {
		t.Fatal("[]byte shared with the source")
	}
}

func TestAssignMapKeys(t *testing.T) {
	var m map[int]string
	if err := Assign(&m, map[string]any{"10": "ten", "-1": "minus"}); err != nil || m[10] != "ten" || m[-1] != "minus" {
		t.Fatal(m, err)
	}
	if err := Assign(&m, map[string]any{"x": "?"}); err == nil || !strings.Contains(err.Error(), `map key "x"`) {
		t.Fatal(err)
	}
	var u map[uuid.UUID]int
	id := uuid.New()
	if err := Assign(&u, map[any]any{id: int64(1)}); err != nil || u[id] != 1 {
		t.Fatal(u, err)
	}
	if err := Assign(&u, map[string]any{id.String(): int64(2)}); err != nil || u[id] != 2 {
		t.Fatal(u, err)
	}
	var bm map[string]int
	if err := Assign(&bm, map[any]any{"s": int64(1), int64(2): int64(2)}); err == nil {
		t.Fatal("int key into map[string]int: no error")
	}
}

type recursive struct {
	Next *recursive
	N    int
}

func TestAssignRecursiveAndCycles(t *testing.T) {
	src := map[string]any{"N": int64(1), "Next": map[string]any{"N": int64(2), "Next": nil}}
	var r recursive
	if err := Assign(&r, src); err != nil || r.N != 1 || r.Next.N != 2 || r.Next.Next != nil {
		t.Fatal(err)
	}
	// A self-referencing source stops at MaxAssignDepth instead of blowing the stack.
	cyc := []any{nil}
	cyc[0] = cyc
	type deep []deep
	var d deep
	err := Assign(&d, cyc)
	if err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatal(err)
	}
}

type panicky struct{}

func (*panicky) UnmarshalText([]byte) error { panic("boom") }

type strictColor string

func (c *strictColor) UnmarshalText(b []byte) error {
	if string(b) != "red" {
		return errors.New("not red")
	}
	*c = strictColor(b)
	return nil
}

func TestAssignTextUnmarshaler(t *testing.T) {
	var p panicky
	if err := Assign(&p, "x"); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatal(err)
	}
	var c strictColor
	if err := Assign(&c, "red"); err != nil || c != "red" {
		t.Fatal(c, err)
	}
	if err := Assign(&c, "blue"); err == nil || !strings.Contains(err.Error(), "not red") {
		t.Fatal(err)
	}
}

func TestStructFields(t *testing.T) {
	type Base struct {
		ID   int
		Note string
	}
	type withPtr struct {
		*Base
		Note   string `pickle:"note"`
		hidden int
		Date   // special struct: a named field, not promoted
	}
	fs := StructFields(reflect.TypeFor[withPtr]())
	var names []string
	for _, f := range fs {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "ID,Note,Date" {
		t.Fatalf("fields %s", got)
	}
	if fs[1].TagName("pickle") != "note" || len(fs[1].Index) != 1 {
		t.Fatalf("%+v", fs[1])
	}
	var w withPtr
	if err := Assign(&w, map[string]any{"ID": int64(3), "note": "outer", "Date": "2024-01-02"}); err != nil {
		t.Fatal(err)
	}
	if w.Base == nil || w.ID != 3 || w.Note != "outer" || w.Base.Note != "" || w.Date != (Date{2024, 1, 2}) {
		t.Fatalf("%+v %+v", w, w.Base)
	}
	_ = w.hidden
}

func TestAssignNeverPanics(t *testing.T) {
	srcs := []any{nil, true, int64(-1), uint64(math.MaxUint64), new(big.Int).Lsh(big.NewInt(1), 200), math.NaN(),
		"s", []byte{1}, []any{int64(1), "x", nil}, map[string]any{"a": []any{}}, map[any]any{nil: 1.5},
		time.Time{}, Date{}, Decimal{}, uuid.UUID{}, (*big.Int)(nil)}
	dsts := []func() any{
		func() any { return new(int) }, func() any { return new(uint16) }, func() any { return new(float32) },
		func() any { return new(string) }, func() any { return new([]byte) }, func() any { return new([3]byte) },
		func() any { return new([]any) }, func() any { return new(map[string]any) }, func() any { return new(map[float64]bool) },
		func() any { return new(user) }, func() any { return new(any) }, func() any { return new(*big.Int) },
		func() any { return new(time.Time) }, func() any { return new(Decimal) }, func() any { return new(uuid.UUID) },
		func() any { return new(func()) }, func() any { return new(complex128) }, func() any { return new(map[[2]int]int) },
	}
	for _, s := range srcs {
		for _, d := range dsts {
			_ = Assign(d(), s) // must not panic
		}
	}
}

// TestNoneIsZero: one rule for None into every kind (issue 12): the zero
// value, as pickle and rick-msgpack both decode it.
func TestNoneIsZero(t *testing.T) {
	type inner struct{ A int }
	v := struct {
		I  int
		S  string
		F  float64
		B  bool
		D  Date
		T  time.Time
		St inner
		Ar [2]int
		P  *int
		L  []int
	}{I: 1, S: "x", F: 1, B: true, D: Date{2024, 1, 1}, T: time.Now(), St: inner{1}, Ar: [2]int{1, 2}, P: new(int), L: []int{1}}
	src := map[string]any{"I": nil, "S": nil, "F": nil, "B": nil, "D": nil, "T": nil, "St": nil, "Ar": nil, "P": nil, "L": nil}
	if err := Assign(&v, src); err != nil {
		t.Fatal(err)
	}
	if v.I != 0 || v.S != "" || v.F != 0 || v.B || !v.D.IsZero() || !v.T.IsZero() || v.St.A != 0 || v.Ar != [2]int{} || v.P != nil || v.L != nil {
		t.Fatalf("None left %+v", v)
	}
	n := 5
	if err := Assign(&n, nil); err != nil || n != 0 {
		t.Fatalf("top-level None into int: %v, %d", err, n)
	}
}

package pickle

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

type vectorCase struct {
	Name    string `json:"name"`
	Value   any    `json:"value"`
	Hex     string `json:"pickle_hex"`
	Proto5  string `json:"pickle_proto5_hex"`
	Proto2  string `json:"pickle_proto2_hex"`
	Repr    string `json:"python_repr"`
	Opcodes []string
}

// checkDecode decodes data and compares it with the tv value. Class
// instances ("object" in tv, e.g. rick's ShallowContainer) and other values
// outside the mapping must be refused: their classes are not on the
// allow-list. (pickle_plain.json and cryptredis_pickle.json hold none today;
// the hostile tests cover ShallowContainer with a pickle made by Python.)
func checkDecode(t *testing.T, label string, data []byte, tv any) {
	t.Helper()
	want, wantErr := tvToGo(tv)
	var got any
	err := Codec().Unmarshal(data, &got)
	switch {
	case errors.Is(wantErr, errNotInMapping):
		if err == nil {
			t.Errorf("%s: decoded %#v, want an error (class not allowed)", label, got)
		}
	case wantErr != nil:
		t.Fatalf("%s: bad vector: %v", label, wantErr)
	case err != nil:
		t.Errorf("%s: %v", label, err)
	case !equalTree(got, want):
		t.Errorf("%s:\n got  %s\n want %s", label, short(fmt.Sprintf("%#v", got)), short(fmt.Sprintf("%#v", want)))
	}
}

func TestPicklePlainVectors(t *testing.T) {
	var f struct{ Cases []vectorCase }
	readJSON(t, "pickle_plain.json", &f)
	if len(f.Cases) < 40 {
		t.Fatalf("only %d cases", len(f.Cases))
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			for label, h := range map[string]string{"pickle_hex": c.Hex, "pickle_proto5_hex": c.Proto5, "pickle_proto2_hex": c.Proto2} {
				if h == "" {
					t.Fatalf("%s missing", label)
				}
				checkDecode(t, label, mustHex(t, h), c.Value)
			}
		})
	}
}

func TestCryptRedisPicklePlaintexts(t *testing.T) {
	var f struct {
		Cases []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
			Hex   string `json:"pickle_hex"`
		}
		Live struct {
			Value any    `json:"value"`
			Hex   string `json:"decrypted_pickle_hex"`
		} `json:"live_capture"`
	}
	readJSON(t, "cryptredis_pickle.json", &f)
	if len(f.Cases) != 15 {
		t.Fatalf("%d cases, want 15", len(f.Cases))
	}
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) { checkDecode(t, "pickle_hex", mustHex(t, c.Hex), c.Value) })
	}
	t.Run("live_capture", func(t *testing.T) { checkDecode(t, "decrypted_pickle_hex", mustHex(t, f.Live.Hex), f.Live.Value) })
}

func TestCodecName(t *testing.T) {
	if Codec().Name() != "pickle" {
		t.Fatal(Codec().Name())
	}
}

type address struct {
	City string
	Zip  *string
}

type Audit struct {
	CreatedBy string
}

type account struct {
	ID       int64
	Email    string `pickle:"email"`
	Balance  pyval.Decimal
	Born     pyval.Date
	Seen     time.Time
	Token    uuid.UUID
	Avatar   []byte
	Tags     []string
	Scores   map[string]float64
	Home     address
	Work     *address
	Flags    [3]bool
	Big      *big.Int
	Huge     uint64
	Small    int8
	Ratio    float32
	Secret   string `cache:"-"`
	internal int
	Audit
}

func sampleAccount() account {
	zip := "12345"
	return account{
		ID: 1 << 40, Email: "ann@example.com", Balance: pyval.MustDecimal("1234.5600"),
		Born:  pyval.Date{Year: 1990, Month: 7, Day: 14},
		Seen:  time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.FixedZone("", -5*3600-30*60)),
		Token: uuid.MustParse("12345678-1234-5678-1234-567812345678"), Avatar: []byte{0, 1, 0xff},
		Tags: []string{"a", "é"}, Scores: map[string]float64{"x": 1.5, "nan": math.Inf(1)},
		Home: address{City: "Oslo", Zip: &zip}, Flags: [3]bool{true, false, true},
		Big: new(big.Int).Lsh(big.NewInt(-1), 80), Huge: math.MaxUint64, Small: -128, Ratio: 0.5,
		Audit: Audit{CreatedBy: "root"},
	}
}

// TestRoundTripStruct: a struct goes out as a dict and comes back equal.
func TestRoundTripStruct(t *testing.T) {
	in := sampleAccount()
	in.Secret, in.internal = "dropped", 7
	data, err := Codec().Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out account
	if err := Codec().Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	want := sampleAccount()
	if !out.Seen.Equal(want.Seen) || out.Seen.Format(time.RFC3339Nano) != want.Seen.Format(time.RFC3339Nano) {
		t.Fatalf("Seen %v, want %v", out.Seen, want.Seen)
	}
	out.Seen, want.Seen = time.Time{}, time.Time{}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("got  %+v\nwant %+v", out, want)
	}
	var tree any
	if err := Codec().Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	m := tree.(map[string]any)
	if _, ok := m["Secret"]; ok {
		t.Error(`cache:"-" field was written`)
	}
	if m["email"] != "ann@example.com" || m["CreatedBy"] != "root" || m["Work"] != nil {
		t.Errorf("tree %#v", m)
	}
}

// roundTrips lists Go values and the tree they decode to (into *any).
func roundTrips() []struct {
	name string
	in   any
	want any
} {
	utc := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	east := time.Date(2025, 6, 30, 23, 59, 59, 999999000, time.FixedZone("CEST", 2*3600))
	uid := uuid.MustParse("0f0e0d0c-0b0a-0908-0706-050403020100")
	return []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"true", true, true},
		{"int", 42, int64(42)},
		{"int8", int8(-5), int64(-5)},
		{"int64 min", int64(math.MinInt64), int64(math.MinInt64)},
		{"int64 max", int64(math.MaxInt64), int64(math.MaxInt64)},
		{"int32 edge", int64(1 << 31), int64(1 << 31)},
		{"uint64 max", uint64(math.MaxUint64), uint64(math.MaxUint64)},
		{"uint8", uint8(200), int64(200)},
		{"big", new(big.Int).Lsh(big.NewInt(1), 200), new(big.Int).Lsh(big.NewInt(1), 200)},
		{"big small", big.NewInt(3), int64(3)},
		{"float", 3.14159, 3.14159},
		{"float32", float32(0.25), 0.25},
		{"neg zero", math.Copysign(0, -1), math.Copysign(0, -1)},
		{"nan", math.NaN(), math.NaN()},
		{"inf", math.Inf(-1), math.Inf(-1)},
		{"string", "héllo\n", "héllo\n"},
		{"long string", strings.Repeat("x", 70000), strings.Repeat("x", 70000)},
		{"bytes", []byte{0, 0xff}, []byte{0, 0xff}},
		{"nil bytes", []byte(nil), []byte{}},
		{"byte array", [4]byte{1, 2, 3, 4}, []byte{1, 2, 3, 4}},
		{"time utc", utc, utc},
		{"time offset", east, east},
		{"time nanos truncated", time.Date(2025, 1, 1, 0, 0, 0, 1999, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 1000, time.UTC)},
		{"date", pyval.Date{Year: 2024, Month: 2, Day: 29}, pyval.Date{Year: 2024, Month: 2, Day: 29}},
		{"decimal", pyval.MustDecimal("-0.000"), pyval.MustDecimal("-0.000")},
		{"decimal nan", pyval.MustDecimal("NaN"), pyval.MustDecimal("NaN")},
		{"decimal zero value", pyval.Decimal{}, pyval.MustDecimal("0")},
		{"uuid", uid, uid},
		{"slice", []int{1, 2}, []any{int64(1), int64(2)}},
		{"nil slice", []string(nil), []any{}},
		{"array", [2]string{"a", "b"}, []any{"a", "b"}},
		{"nested any", []any{nil, []any{map[string]any{}}}, []any{nil, []any{map[string]any{}}}},
		{"map str", map[string]int{"a": 1}, map[string]any{"a": int64(1)}},
		{"nil map", map[string]int(nil), map[string]any{}},
		{"map int keys", map[int]string{1: "one", -2: "minus"}, map[any]any{int64(1): "one", int64(-2): "minus"}},
		{"map time keys", map[time.Time]bool{utc: true}, map[any]any{utc: true}},
		{"map uuid keys", map[uuid.UUID]int{uid: 1}, map[any]any{uid: int64(1)}},
		{"map array keys", map[[2]int]int{{1, 2}: 3}, nil}, // tuple keys decode to an error
		{"pointer", func() any { x := 5; return &x }(), int64(5)},
		{"nil pointer", (*int)(nil), nil},
		{"struct", address{City: "X"}, map[string]any{"City": "X", "Zip": nil}},
		{"duration", 3 * time.Second, int64(3e9)},
	}
}

func TestRoundTripTree(t *testing.T) {
	for _, c := range roundTrips() {
		t.Run(c.name, func(t *testing.T) {
			data, err := Codec().Marshal(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if err := Check(data, MaxDepth); err != nil {
				t.Fatalf("Check of our own output: %v", err)
			}
			var got any
			err = Codec().Unmarshal(data, &got)
			if c.name == "map array keys" {
				if err == nil || !strings.Contains(err.Error(), "cannot be a Go map key") {
					t.Fatalf("tuple key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equalTree(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	deep := []any{}
	for i := 0; i < MaxDepth; i++ {
		deep = []any{deep}
	}
	cyc := new(any)
	*cyc = cyc
	cases := []struct {
		name string
		in   any
		want string
	}{
		{"chan", make(chan int), "cannot encode"},
		{"func", func() {}, "cannot encode"},
		{"complex", 1 + 2i, "cannot encode"},
		{"invalid utf8", "\xff", "not valid UTF-8"},
		{"invalid utf8 key", map[string]int{"\xff": 1}, "not valid UTF-8"},
		{"year 0", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), "outside Python's datetime range"},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "outside Python's datetime range"},
		{"offset 24h", time.Date(2000, 1, 1, 0, 0, 0, 0, time.FixedZone("", 86400)), "offset"},
		{"bad date", pyval.Date{Year: 2023, Month: 2, Day: 29}, "invalid date"},
		{"struct key", map[address]int{{}: 1}, "cannot be a Python dict key"},
		{"too deep", deep, "nested deeper"},
		{"cycle", cyc, "nested too deeply"},
		{"huge int", new(big.Int).Exp(big.NewInt(10), big.NewInt(5000), nil), "more than 4300 digits"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Codec().Marshal(c.in)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want %q", err, c.want)
			}
		})
	}
	// The deepest value we write is still readable.
	ok := []any{}
	for i := 1; i < MaxDepth; i++ {
		ok = []any{ok}
	}
	data, err := Codec().Marshal(ok)
	if err != nil {
		t.Fatal(err)
	}
	var back any
	if err := Codec().Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
}

func TestUnmarshalDestinations(t *testing.T) {
	data, err := Codec().Marshal(map[string]any{"ID": 7, "Tags": []any{"a", 3}})
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		ID   int
		Tags []string
	}
	err = Codec().Unmarshal(data, &s)
	if err == nil || err.Error() != "pickle: field .Tags[1]: cannot assign int to string" {
		t.Fatalf("err %v", err)
	}
	if err := Codec().Unmarshal(data, s); err == nil || !strings.Contains(err.Error(), "non-nil pointer") {
		t.Fatalf("non-pointer: %v", err)
	}
	none := mustHex(t, "80044e2e")
	var anyV any = "old"
	if err := Codec().Unmarshal(none, &anyV); err != nil || anyV != nil {
		t.Fatalf("None into *any: %v %v", anyV, err)
	}
	var n int
	if err := Codec().Unmarshal(none, &n); err == nil || !strings.Contains(err.Error(), "cannot decode None into int") {
		t.Fatalf("None into *int: %v", err)
	}
	var p *int
	if err := Codec().Unmarshal(none, &p); err == nil {
		t.Fatal("None into **int: no error")
	}
}

// TestDecodeDatetimeForms covers the datetime/date shapes Python writes that
// the vectors do not: negative and named offsets, fold, the latin-1 str state
// of protocol 0-2, bad states.
func TestDecodeDatetimeForms(t *testing.T) {
	state := []byte{0x07, 0xe4, 5, 6, 7, 8, 9, 0, 0, 10}
	mk := func(args ...any) (any, error) { return bound(datetimeClass).Call(args...) }
	tz, err := bound(timezoneClass).Call(&timedelta{days: -1, seconds: 68400}, "EST")
	if err != nil {
		t.Fatal(err)
	}
	got, err := mk(state, tz)
	want := time.Date(2020, 5, 6, 7, 8, 9, 10000, time.FixedZone("EST", -5*3600))
	if err != nil || !equalTree(got, want) {
		t.Fatalf("%v %v", got, err)
	}
	if name, _ := got.(time.Time).Zone(); name != "EST" {
		t.Errorf("zone name %q", name)
	}
	folded := append([]byte{}, state...)
	folded[2] |= 0x80
	if got, err := mk(folded); err != nil || !equalTree(got, time.Date(2020, 5, 6, 7, 8, 9, 10000, time.UTC)) {
		t.Errorf("fold: %v %v", got, err)
	}
	if got, err := mk(string([]rune{0x07, 0xe4, 5, 6, 7, 8, 9, 0, 0, 10})); err != nil || !equalTree(got, time.Date(2020, 5, 6, 7, 8, 9, 10000, time.UTC)) {
		t.Errorf("str state: %v %v", got, err)
	}
	for _, bad := range [][]byte{
		{0x07, 0xe4, 13, 1, 0, 0, 0, 0, 0, 0},
		{0x07, 0xe4, 2, 30, 0, 0, 0, 0, 0, 0},
		{0, 0, 1, 1, 0, 0, 0, 0, 0, 0},
		{0x07, 0xe4, 1, 1, 24, 0, 0, 0, 0, 0},
		{0x07, 0xe4, 1, 1, 0, 0, 0, 0x0f, 0x42, 0x40},
		{1, 2, 3},
	} {
		if _, err := mk(bad); err == nil {
			t.Errorf("state %x: no error", bad)
		}
	}
	if _, err := mk(state, "UTC"); err == nil {
		t.Error("str tzinfo: no error")
	}
	for _, td := range []*timedelta{{days: 1}, {days: -1}, {seconds: 1, micros: 5}} {
		if _, err := bound(timezoneClass).Call(td); err == nil {
			t.Errorf("offset %+v: no error", td)
		}
	}
	if d, err := bound(dateClass).Call([]byte{0x07, 0xe8, 2, 29}); err != nil || d != (pyval.Date{Year: 2024, Month: 2, Day: 29}) {
		t.Errorf("date: %v %v", d, err)
	}
	if _, err := bound(dateClass).Call([]byte{0x07, 0xe7, 2, 29}); err == nil {
		t.Error("2023-02-29: no error")
	}
	if _, err := bound(decimalClass).Call("12abc"); err == nil {
		t.Error("bad decimal: no error")
	}
}

// TestFuzzSeedsPresent checks the committed seed corpus is there and in Go's
// corpus format (go test runs the seeds themselves as part of FuzzPickle).
func TestFuzzSeedsPresent(t *testing.T) {
	files, err := filepath.Glob("testdata/fuzz/FuzzPickle/*")
	if err != nil || len(files) < 20 {
		t.Fatalf("%d seed files, %v", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.HasPrefix(string(b), "go test fuzz v1\n") {
			t.Errorf("%s: not a Go fuzz corpus file", f)
		}
	}
}

// bound binds an allow-listed class to a generous budget, as findClass does.
func bound(c *pyClass) *boundClass { return &boundClass{c, &budget{left: 1 << 30}} }

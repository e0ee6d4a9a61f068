package codec

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
)

func testTimes(t *testing.T) map[string]time.Time {
	ny := mustLoad(t, "America/New_York")
	return map[string]time.Time{
		"utc":           time.Date(2025, 1, 1, 12, 0, 0, 123456789, time.UTC),
		"new york est":  time.Date(2025, 1, 15, 8, 30, 0, 1, ny),
		"new york edt":  time.Date(2025, 7, 15, 8, 30, 0, 0, ny),
		"fixed +05:30":  time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("IST", 19800)),
		"fixed -03:00":  time.Date(1999, 12, 31, 21, 0, 0, 0, time.FixedZone("", -10800)),
		"lmt seconds":   time.Date(1850, 1, 1, 0, 0, 0, 0, ny),
		"zero":          {},
		"before 1970":   time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC),
		"far future":    time.Date(9999, 12, 31, 23, 59, 59, 0, time.FixedZone("", 3600)),
		"london winter": time.Date(2025, 1, 1, 0, 0, 0, 0, mustLoad(t, "Europe/London")),
	}
}

func TestMsgpackTime(t *testing.T) {
	type withTime struct {
		At  time.Time
		Ptr *time.Time
		Any any
	}
	for name, tm := range testTimes(t) {
		t.Run(name, func(t *testing.T) {
			want := wantOffset(tm)
			// Top level.
			b, err := Msgpack().Marshal(tm)
			if err != nil {
				t.Fatal(err)
			}
			var got time.Time
			if err := Msgpack().Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if d := diff(valueOf(want), valueOf(got)); d != "" {
				t.Fatalf("top level via %x: %s", b, d)
			}
			if _, off := tm.Zone(); off == 0 && len(b) > 15 {
				t.Errorf("offset 0 should be a standard timestamp: %x", b)
			}
			// In a struct, through a pointer, and in an interface.
			tm2 := tm
			b, err = Msgpack().Marshal(&withTime{At: tm, Ptr: &tm2, Any: tm})
			if err != nil {
				t.Fatal(err)
			}
			var s withTime
			if err := Msgpack().Unmarshal(b, &s); err != nil {
				t.Fatal(err)
			}
			for what, g := range map[string]any{"field": s.At, "pointer": *s.Ptr, "any": s.Any} {
				if d := diff(valueOf(want), valueOf(g)); d != "" {
					t.Errorf("%s: %s", what, d)
				}
			}
			if want.Equal(time.Time{}) && !s.At.IsZero() {
				t.Error("zero time did not come back as zero")
			}
		})
	}
}

// TestMsgpackTimeHookTransparent checks that other users of vmihailenco in
// the process still get its own behaviour: the same bytes, time.Local on
// decode, and an error for the zoned payload they never write.
func TestMsgpackTimeHookTransparent(t *testing.T) {
	tm := time.Date(2025, 1, 15, 8, 30, 0, 5, time.FixedZone("", 3600))
	b, err := msgpack.Marshal(struct{ At time.Time }{tm})
	if err != nil {
		t.Fatal(err)
	}
	want := append([]byte{0x81, 0xa2, 'A', 't', 0xd7, 0xff}, appendTimestamp(nil, tm)...)
	if !bytes.Equal(b, want) {
		t.Fatalf("vmihailenco bytes changed: %x, want %x", b, want)
	}
	var s struct{ At time.Time }
	if err := msgpack.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if !s.At.Equal(tm) || s.At.Location() != time.Local {
		t.Fatalf("vmihailenco decode: %v in %v", s.At, s.At.Location())
	}
	ours, _ := Msgpack().Marshal(struct{ At time.Time }{tm})
	if err := msgpack.Unmarshal(ours, &s); err == nil {
		t.Fatal("vmihailenco should reject the zoned payload")
	}
}

type allTypes struct {
	ID      int64
	Date    pyval.Date
	Amount  pyval.Decimal
	Ref     uuid.UUID
	RefPtr  *uuid.UUID
	Blob    []byte
	Tagged  string `msgpack:"t,omitempty"`
	Skipped string `msgpack:"-"`
	Nested  struct{ A, B int }
	Map     map[string]int
}

func TestMsgpackValueTypes(t *testing.T) {
	ref := uuid.MustParse("f47ac10b-58cc-4372-a567-0e02b2c3d479")
	in := allTypes{
		ID: -1, Date: pyval.Date{Year: 2025, Month: 11, Day: 6}, Amount: pyval.MustDecimal("1E+2"),
		Ref: ref, RefPtr: &ref, Blob: []byte{1, 2}, Tagged: "x", Skipped: "y",
		Nested: struct{ A, B int }{1, 2}, Map: map[string]int{"k": 3},
	}
	// Gob is checked in TestGobValueTypes: it cannot encode pyval.Decimal.
	for _, c := range []Codec{Msgpack(), RickMsgpack(), JSON()} {
		b, err := c.Marshal(&in)
		if err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		var out allTypes
		if err := c.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s: %v", c.Name(), err)
		}
		want := in
		if c.Name() != "json" {
			want.Skipped = "" // msgpack:"-" (json ignores msgpack tags)
		}
		if d := diff(valueOf(want), valueOf(out)); d != "" {
			t.Errorf("%s: %s", c.Name(), d)
		}
	}
	// Field names: the msgpack tag, else the Go name.
	b, _ := Msgpack().Marshal(&in)
	var m map[string]any
	if err := msgpack.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["t"]; !ok {
		t.Errorf("tag name not used: %v", m)
	}
	if _, ok := m["Skipped"]; ok {
		t.Errorf("msgpack:\"-\" field written: %v", m)
	}
}

// TestZeroDate records how the codecs that go through Date's
// MarshalText/UnmarshalText treat the zero Date: pyval writes "0000-00-00"
// and cannot parse it back. rick-msgpack writes a zero Date as None.
func TestZeroDate(t *testing.T) {
	type withDate struct{ D pyval.Date }
	var back withDate
	b, _ := RickMsgpack().Marshal(withDate{})
	if err := RickMsgpack().Unmarshal(b, &back); err != nil || !back.D.IsZero() {
		t.Errorf("rick-msgpack: %v %+v", err, back)
	}
	var zero pyval.Date
	if err := zero.UnmarshalText([]byte(zero.String())); err != nil {
		t.Fatalf("the zero Date's text %q does not parse back: %v", zero.String(), err)
	}
	for _, c := range []Codec{Msgpack(), JSON(), trustedGob()} {
		b, _ := c.Marshal(withDate{})
		if err := c.Unmarshal(b, &back); err != nil || !back.D.IsZero() {
			t.Errorf("%s: %v %+v", c.Name(), err, back)
		}
	}
}

// TestMsgpackExtMapQuirk: vmihailenco reads a map header inside an ext
// where it expects a map, and allocates the declared count (a fatal
// out-of-memory without the guard). The input is valid msgpack: an array
// of five values whose first is a 1-byte ext.
func TestMsgpackExtMapQuirk(t *testing.T) {
	in := []byte{0x95, 0xd4, 0x01, 0xdf, 0xff, 0xff, 0xff, 0xff}
	if err := CheckMsgpack(in, MaxDepth); err != nil {
		t.Fatalf("structurally valid: %v", err)
	}
	var maps []map[string]any
	err := Msgpack().Unmarshal(in, &maps)
	if !errors.Is(err, errExtAsMap) {
		t.Fatalf("got %v, want errExtAsMap", err)
	}
	var typed []map[string]string
	if err := Msgpack().Unmarshal(in, &typed); !errors.Is(err, errExtAsMap) {
		t.Fatalf("typed map: %v", err)
	}
	// A timestamp whose payload happens to start with 0xdf still decodes.
	tm := time.Unix(0xdf000000, 0).UTC() // 4-byte form: payload df 00 00 00
	b, _ := Msgpack().Marshal([]time.Time{tm})
	if !bytes.Contains(b, []byte{0xd6, 0xff, 0xdf}) {
		t.Fatalf("test premise: %x", b)
	}
	var back []time.Time
	if err := Msgpack().Unmarshal(b, &back); err != nil || !back[0].Equal(tm) {
		t.Fatalf("timestamp starting with 0xdf: %v %v", back, err)
	}
	// And one whose would-be map count is huge is still a time where a
	// time is expected.
	raw := []byte{0x91, 0xd7, 0xff, 0xdf, 0xff, 0xff, 0xff, 0xff, 0, 0, 0}
	if err := Msgpack().Unmarshal(raw, &back); err != nil {
		t.Fatalf("timestamp with 0xdf ff ff ff ff: %v", err)
	}
}

func TestMsgpackRejects(t *testing.T) {
	var v any
	for name, in := range map[string][]byte{
		"trailing":    {0x01, 0x02},
		"empty":       {},
		"truncated":   {0x92, 0x01},
		"bad zone":    {0xd8, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff},
		"bad nanos":   {0xd8, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"unknown ext": {0xd4, 0x09, 0x00},
	} {
		if err := Msgpack().Unmarshal(in, &v); err == nil {
			t.Errorf("%s: got %#v, want an error", name, v)
		}
	}
	if err := Msgpack().Unmarshal([]byte{0xc0}, nil); err == nil {
		t.Error("nil destination: want an error")
	}
	var n int
	if err := Msgpack().Unmarshal([]byte{0x01}, n); err == nil {
		t.Error("non-pointer destination: want an error")
	}
}

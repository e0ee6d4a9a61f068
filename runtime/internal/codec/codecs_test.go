package codec

import (
	"testing"
	"time"
)

// user is the 7-field struct of the round-trip tests and benchmarks.
type user struct {
	ID      int64
	Email   string
	Name    string
	Age     int
	Active  bool
	Created time.Time
	Tags    []string
}

func allCodecs() []Codec { return []Codec{Msgpack(), RickMsgpack(), JSON(), trustedGob()} }

func TestCodecNames(t *testing.T) {
	want := []string{"msgpack", "rick-msgpack", "json", "gob"}
	for i, c := range allCodecs() {
		if c.Name() != want[i] {
			t.Errorf("codec %d: name %q, want %q", i, c.Name(), want[i])
		}
	}
}

func TestRoundTripUser(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	times := map[string]time.Time{
		"utc":          time.Date(2025, 11, 6, 14, 30, 45, 123456000, time.UTC),
		"named zone":   time.Date(2025, 11, 6, 14, 30, 45, 123456000, ny),
		"fixed offset": time.Date(2025, 11, 6, 14, 30, 45, 0, time.FixedZone("", -(9*3600+30*60))),
		"zero":         {},
	}
	for _, c := range allCodecs() {
		for name, tm := range times {
			t.Run(c.Name()+"/"+name, func(t *testing.T) {
				in := user{ID: 1 << 40, Email: "ada@example.com", Name: "Ada ✓", Age: 36, Active: true, Created: tm, Tags: []string{"a", "b"}}
				b, err := c.Marshal(&in)
				if err != nil {
					t.Fatal(err)
				}
				var out user
				if err := c.Unmarshal(b, &out); err != nil {
					t.Fatalf("%x: %v", b, err)
				}
				// Every codec keeps the instant and the offset; the zone name
				// becomes a fixed zone (gob may give time.Local when the
				// offset matches it).
				if d := diff(valueOf(in.Created), valueOf(out.Created)); d != "" && !out.Created.Equal(in.Created) {
					t.Fatalf("time: %s", d)
				}
				_, o1 := in.Created.Zone()
				_, o2 := out.Created.Zone()
				if o1 != o2 || !out.Created.Equal(in.Created) {
					t.Fatalf("time %s came back as %s", in.Created, out.Created)
				}
				if tm.IsZero() && !out.Created.IsZero() {
					t.Fatalf("zero time came back as %s", out.Created)
				}
				out.Created = in.Created
				if d := diff(valueOf(in), valueOf(out)); d != "" {
					t.Fatal(d)
				}
			})
		}
	}
}

// TestNilAndEmpty: nil slices stay nil where the format can say so.
func TestNilAndEmpty(t *testing.T) {
	for _, c := range []Codec{Msgpack(), RickMsgpack(), JSON()} {
		b, err := c.Marshal(user{})
		if err != nil {
			t.Fatal(err)
		}
		var out user
		if err := c.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if out.Tags != nil || !out.Created.IsZero() {
			t.Errorf("%s: %+v", c.Name(), out)
		}
		var v any = "old"
		nb, _ := c.Marshal(nil)
		if err := c.Unmarshal(nb, &v); err != nil || v != nil {
			t.Errorf("%s: nil into any: %v %v", c.Name(), v, err)
		}
	}
}

package fastbench

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/runtime/cacheimpl"
	"github.com/cachegen/cachegen/runtime/fastwire"
)

// decodeAll decodes data as an All, failing the test on a panic.
func decodeAll(t testing.TB, data []byte) (out *All, err error) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("Unmarshal panicked on %x: %v", data, p)
		}
	}()
	out = new(All)
	return out, fastAllCodec.Unmarshal(data, out)
}

func uv(x uint64) string { return hex.EncodeToString(binary.AppendUvarint(nil, x)) }

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// allTail is what the zero All encodes as, header aside: the fields that
// are always written (Grid 30, Here 35, Anon 38) and the end of the struct.
const allTail = "1e 000000000000 23 00 26 00 00"

func TestHostileInputs(t *testing.T) {
	for _, tc := range []struct {
		name, hex, want string
	}{
		{"empty", "", "empty input"},
		{"wrong header", "f2 00", "header byte 0xf2"},
		{"msgpack bytes", "81a24944 01", "header byte 0x81"},
		{"header only", "f1", "truncated"},
		{"no end of struct", "f1 01 02", "truncated"},
		{"trailing byte", "f1 " + allTail + " 00", "1 trailing bytes"},
		{"out of order", "f1 02 02 01 02 " + allTail, "unexpected field tag 1"},
		{"repeated", "f1 01 02 01 02 " + allTail, "unexpected field tag 1"},
		{"unknown tag", "f1 " + allTail[:len(allTail)-2] + "30 01 00", "unexpected field tag 48"},
		{"skipped field's tag", "f1 27 00 " + allTail, "unexpected field tag 39"},
		{"bool byte 2", "f1 0d 02 " + allTail, "bool byte 0x02"},
		{"int8 overflow", "f1 03 " + uv(300<<1) + " " + allTail, "overflows int8"},
		{"uint8 overflow", "f1 07 " + uv(256) + " " + allTail, "overflows uint8"},
		{"varint overflow", "f1 01 ffffffffffffffffff7f " + allTail, "overflows 64 bits"},
		{"string length bomb", "f1 0e " + uv(1<<62) + " " + allTail, "exceeds"},
		{"bytes length bomb", "f1 0f " + uv(1<<40) + " " + allTail, "exceeds"},
		{"slice length bomb", "f1 1c " + uv(1<<50) + " " + allTail, "exceeds"},
		{"map length bomb", "f1 20 " + uv(1<<33) + " " + allTail, "exceeds"},
		{"max uvarint length", "f1 1c ffffffffffffffffff01 " + allTail, "exceeds"},
		{"float64 cut short", "f1 0c 000000", "truncated"},
		{"time nanoseconds", "f1 10 00 " + uv(1e9) + " 00 " + allTail, "invalid time"},
		{"time offset", "f1 10 00 00 " + uv(86400<<1) + " " + allTail, "invalid time"},
		{"decimal text", "f1 15 03 616263 " + allTail, "invalid decimal"},
		{"duplicate map key", "f1 20 03 0161 02 0161 04 " + allTail, "only 1 distinct keys"},
		{"pointer byte 2", "f1 19 02 " + allTail, "bool byte 0x02"},
		{"array cut short", "f1 1e 0000", "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeAll(t, unhex(t, tc.hex))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestValidTail checks the hand-written encodings above start from a valid
// one.
func TestValidTail(t *testing.T) {
	data, err := fastAllCodec.Marshal(&All{})
	must(t, err)
	if want := unhex(t, "f1 "+allTail); !bytes.Equal(data, want) {
		t.Fatalf("zero All encodes as %x, want %x", data, want)
	}
}

func TestTruncatedAndExtended(t *testing.T) {
	data, err := fastAllCodec.Marshal(full())
	must(t, err)
	for n := range len(data) {
		if _, err := decodeAll(t, data[:n]); err == nil {
			t.Fatalf("a %d-byte prefix of a %d-byte value decoded", n, len(data))
		}
	}
	for _, extra := range []string{"\x00", "\x01", "\xf1"} {
		if _, err := decodeAll(t, append(bytes.Clone(data), extra...)); err == nil || !strings.Contains(err.Error(), "trailing") {
			t.Fatalf("value plus %q: %v, want a trailing bytes error", extra, err)
		}
	}
	// Every single-byte change either decodes or fails; none panics.
	for i := range data {
		for _, b := range []byte{0, 1, 0x7f, 0x80, 0xff} {
			d := bytes.Clone(data)
			d[i] = b
			decodeAll(t, d)
		}
	}
}

func TestDepth(t *testing.T) {
	// A chain of points deeper than MaxDepth: There → Next → Next ...
	var b strings.Builder
	b.WriteString("f1 1e 000000000000 23 00 ")
	b.WriteString("24 01 ")
	for range fastwire.MaxDepth + 5 {
		b.WriteString("03 01 ") // Next: present
	}
	_, err := decodeAll(t, unhex(t, b.String()))
	if !errors.Is(err, fastwire.ErrDepth) {
		t.Fatalf("deep nesting: %v, want ErrDepth", err)
	}

	// Encoding a cycle stops at MaxDepth too.
	p := &Point{X: 1}
	p.Next = p
	if _, err := fastAllCodec.Marshal(&All{There: p}); !errors.Is(err, fastwire.ErrDepth) {
		t.Fatalf("encoding a pointer cycle: %v, want ErrDepth", err)
	}
	// Exactly as deep as allowed still works: All, then MaxDepth-1 points.
	deep := &Point{}
	for range fastwire.MaxDepth - 2 {
		deep = &Point{Next: deep}
	}
	roundTrip(t, fastAllCodec, &All{There: deep})
}

// TestBoundedMemory decodes inputs built to make a decoder allocate far
// more than their size, and checks what it allocates.
func TestBoundedMemory(t *testing.T) {
	const size = 1 << 20
	zeros := strings.Repeat("00", size)
	for _, tc := range []struct {
		name string
		hex  string
		max  uint64 // bytes allocated at most
	}{
		// A slice claiming 2^40 elements: refused before allocating.
		{"claimed length", "f1 1c " + uv(1<<40) + " " + zeros, 3 * size},
		// As many elements as there are bytes (each "" is one byte): the
		// decoder allocates what the input really holds.
		{"many empty strings", "f1 1c " + uv(size+1) + " " + zeros + " " + allTail, 3*size + 16*size},
		// Maps of empty keys and values: one byte each, then refused as
		// duplicates.
		{"many map entries", "f1 20 " + uv(size/2+1) + " " + zeros + " " + allTail, 3*size + 64*size},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := unhex(t, tc.hex)
			var before, after goruntime.MemStats
			goruntime.GC()
			goruntime.ReadMemStats(&before)
			decodeAll(t, data)
			goruntime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > tc.max {
				t.Fatalf("decoding %d bytes allocated %d bytes, want at most %d", len(data), got, tc.max)
			}
		})
	}
}

func TestUnmarshalWrongTarget(t *testing.T) {
	data, err := fastUserCodec.Marshal(benchUser())
	must(t, err)
	if err := fastUserCodec.Unmarshal(data, &All{}); err == nil {
		t.Fatal("User's codec decoded into an *All")
	}
	if err := fastUserCodec.Unmarshal(data, (*User)(nil)); err == nil {
		t.Fatal("decoded into a nil *User")
	}
	if _, err := fastUserCodec.Marshal(&All{}); err == nil {
		t.Fatal("User's codec encoded an *All")
	}
	if _, err := fastUserCodec.Marshal((*User)(nil)); err == nil {
		t.Fatal("encoded a nil *User")
	}
	if data2, err := fastUserCodec.Marshal(*benchUser()); err != nil || !bytes.Equal(data, data2) {
		t.Fatalf("Marshal of a User value: %x, %v", data2, err)
	}
	// Decoding overwrites the whole target, fields absent from the input
	// included.
	u := &User{Name: "old", Tags: []string{"old"}}
	must(t, fastUserCodec.Unmarshal(unhex(t, "f1 01 02 00"), u))
	if u.ID != 1 || u.Name != "" || u.Tags != nil {
		t.Fatalf("decoding into a used value left %+v", u)
	}
	if fastUserCodec.Name() != cacheimpl.CodecFast {
		t.Fatalf("Name() = %q", fastUserCodec.Name())
	}
}

// FuzzDecodeAll feeds arbitrary bytes to the generated decoder of All: it
// must never panic, and whatever it accepts must encode to bytes that
// decode to the same encoding again.
func FuzzDecodeAll(f *testing.F) {
	for _, v := range []*All{{}, full(), {Tags: []string{}, Counts: map[string]int{"a": 1}}} {
		data, err := fastAllCodec.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	data, err := fastUserCodec.Marshal(benchUser())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeAll(t, data)
		if err != nil {
			return
		}
		enc, err := fastAllCodec.Marshal(v)
		if err != nil {
			t.Fatalf("decoded %x, but cannot encode it: %v", data, err)
		}
		w, err := decodeAll(t, enc)
		if err != nil {
			t.Fatalf("re-encoding of %x does not decode: %v\n%x", data, err, enc)
		}
		enc2, err := fastAllCodec.Marshal(w)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encodings differ:\n%x\n%x (%v)", enc, enc2, err)
		}
		// The deep copy of anything decodable encodes the same.
		c, err := fastAllCodec.Marshal(cloneAll(v))
		if err != nil || !bytes.Equal(enc, c) {
			t.Fatalf("clone encodes differently:\n%x\n%x (%v)", enc, c, err)
		}
	})
}

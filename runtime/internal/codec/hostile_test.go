package codec

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"
)

func rep(b []byte, n int) []byte { return bytes.Repeat(b, n) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// hostileMsgpack are inputs every msgpack decoder must reject without
// allocating what they declare.
var hostileMsgpack = map[string][]byte{
	"array32 4G":            {0xdd, 0xff, 0xff, 0xff, 0xff},
	"map32 4G":              {0xdf, 0xff, 0xff, 0xff, 0xff},
	"bin32 4G":              {0xc6, 0xff, 0xff, 0xff, 0xff},
	"str32 4G":              {0xdb, 0xff, 0xff, 0xff, 0xff},
	"ext32 4G":              {0xc9, 0xff, 0xff, 0xff, 0xff, 0x01},
	"array16 64K":           {0xdc, 0xff, 0xff, 0xc0},
	"map16 64K":             {0xde, 0xff, 0xff, 0xc0, 0xc0},
	"map count odd":         {0x82, 0xc0, 0xc0, 0xc0},
	"nested arrays 100k":    cat(rep([]byte{0x91}, 100_000), []byte{0xc0}),
	"nested maps 100k":      cat(rep([]byte{0x81, 0xa0}, 100_000), []byte{0xc0}),
	"nested array32 100k":   cat(rep([]byte{0xdd, 0, 0, 0, 1}, 100_000), []byte{0xc0}),
	"nested arrays 513":     cat(rep([]byte{0x91}, MaxDepth+1), []byte{0xc0}),
	"truncated float64":     {0xcb, 0x00, 0x00},
	"truncated array":       {0x92, 0x01},
	"truncated str":         {0xa5, 'a'},
	"truncated bin8 length": {0xc4},
	"truncated ext header":  {0xc7, 0x01},
	"trailing byte":         {0xc0, 0xc0},
	"trailing garbage":      {0x01, 0xff, 0xff},
	"reserved c1":           {0xc1},
	"empty":                 {},
	"ext map quirk":         {0x95, 0xd4, 0x01, 0xdf, 0xff, 0xff, 0xff, 0xff},
	"array32 4G in map":     {0x81, 0xa1, 'k', 0xdd, 0xff, 0xff, 0xff, 0xff},
	// An ext whose payload, read as values, is a map holding a 4G array:
	// vmihailenco's DecodeMapLen follows ext payloads (issue 11).
	"ext payload map":         {0xc7, 0x07, 0x00, 0x81, 0xa0, 0xdd, 0xff, 0xff, 0xff, 0xff},
	"ext payload map in list": {0x91, 0xc7, 0x07, 0x00, 0x81, 0xa0, 0xdd, 0xff, 0xff, 0xff, 0xff},
	"fixext16 payload map":    cat([]byte{0xd8, 0x00, 0x81, 0xa1, 'k', 0xdd, 0xff, 0xff, 0xff, 0xff}, make([]byte, 8)),
	"ext payload str32":       {0xc7, 0x05, 0x00, 0xdb, 0xff, 0xff, 0xff, 0xff},
}

var hostileJSON = map[string][]byte{
	"nested arrays 100k":  rep([]byte{'['}, 100_000),
	"nested objects 100k": rep([]byte(`{"a":`), 100_000),
	"nested balanced 513": cat(rep([]byte{'['}, MaxDepth+1), rep([]byte{']'}, MaxDepth+1)),
	"NaN":                 []byte(`NaN`),
	"truncated":           []byte(`{"a": [1, 2`),
	"trailing":            []byte(`{} []`),
	"unterminated string": []byte(`"abc`),
	"huge integer":        rep([]byte{'9'}, 100_000),
	"empty":               {},
}

var hostileGob = map[string][]byte{
	"count 1G":       {0xfc, 0x3f, 0xff, 0xff, 0xff},
	"count 2^63":     {0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	"count too wide": {0xf7, 0x01},
	"truncated":      {0x05, 0x01},
	"empty":          {},
}

// destinations are the kinds of targets the runtime decodes into.
func destinations() map[string]func() any {
	return map[string]func() any{
		"any":            func() any { return new(any) },
		"struct":         func() any { return new(user) },
		"[]map":          func() any { return new([]map[string]any) },
		"map[string]any": func() any { return new(map[string]any) },
		"[]string":       func() any { return new([]string) },
	}
}

func TestHostileInputs(t *testing.T) {
	run := func(t *testing.T, c Codec, inputs map[string][]byte) {
		for name, in := range inputs {
			for dname, dst := range destinations() {
				if err := c.Unmarshal(in, dst()); err == nil {
					t.Errorf("%s: %s into %s: want an error", c.Name(), name, dname)
				}
			}
		}
	}
	run(t, Msgpack(), hostileMsgpack)
	run(t, RickMsgpack(), hostileMsgpack)
	run(t, JSON(), hostileJSON)
	run(t, trustedGob(), hostileGob)
}

// TestHostileInputsBoundedMemory measures what each rejection allocates:
// well under 1 MiB, whatever the input declares.
func TestHostileInputsBoundedMemory(t *testing.T) {
	const limit = 1 << 20
	check := func(c Codec, inputs map[string][]byte) {
		for name, in := range inputs {
			for dname, mk := range destinations() {
				dst := mk()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				err := c.Unmarshal(in, dst)
				runtime.ReadMemStats(&after)
				if err == nil {
					t.Errorf("%s: %s into %s: want an error", c.Name(), name, dname)
				}
				if d := after.TotalAlloc - before.TotalAlloc; d > limit {
					t.Errorf("%s: %s (%d bytes) into %s allocated %d bytes", c.Name(), name, len(in), dname, d)
				}
			}
		}
	}
	check(Msgpack(), hostileMsgpack)
	check(RickMsgpack(), hostileMsgpack)
	check(JSON(), hostileJSON)
	check(trustedGob(), hostileGob)
}

// TestCheckMsgpackNoAlloc: the validator itself never allocates on valid
// input.
func TestCheckMsgpackNoAlloc(t *testing.T) {
	valid, err := Msgpack().Marshal(map[string]any{"a": []any{1, "x", 2.5, nil, true, []byte{1}}, "b": map[string]any{"c": user{}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		if err := CheckMsgpack(valid, MaxDepth); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("CheckMsgpack allocated %v times", n)
	}
	deep := cat(rep([]byte{0x91}, MaxDepth), []byte{0xc0})
	if n := testing.AllocsPerRun(10, func() {
		if err := CheckMsgpack(deep, MaxDepth); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("deep CheckMsgpack allocated %v times", n)
	}
}

func TestCheckMsgpack(t *testing.T) {
	good := map[string][]byte{
		"nil":             {0xc0},
		"fixint":          {0x7f},
		"negfix":          {0xe0},
		"depth 512":       cat(rep([]byte{0x91}, MaxDepth), []byte{0xc0}),
		"map":             {0x81, 0xa1, 'a', 0x01},
		"bin8":            {0xc4, 0x02, 1, 2},
		"str16":           cat([]byte{0xda, 0x00, 0x03}, []byte("abc")),
		"fixext16":        cat([]byte{0xd8, 0x04}, make([]byte, 16)),
		"ext8 empty":      {0xc7, 0x00, 0x05},
		"float32":         {0xca, 0, 0, 0, 0},
		"uint64":          {0xcf, 1, 2, 3, 4, 5, 6, 7, 8},
		"array32 of 1":    {0xdd, 0, 0, 0, 1, 0xc0},
		"map32 of 1":      {0xdf, 0, 0, 0, 1, 0xc0, 0xc0},
		"ext map quirk":   {0x95, 0xd4, 0x01, 0xdf, 0xff, 0xff, 0xff, 0xff}, // valid bytes; the codec guards the decoder
		"uuid 0xdf first": cat([]byte{0xd8, 0x04, 0xdf, 0xff, 0xff, 0xff, 0xff}, make([]byte, 11)),
	}
	for name, in := range good {
		if err := CheckMsgpack(in, MaxDepth); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for name, in := range hostileMsgpack {
		if name == "ext map quirk" || strings.HasPrefix(name, "ext payload") || strings.HasPrefix(name, "fixext16 payload") {
			continue
		}
		err := CheckMsgpack(in, MaxDepth)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if err := CheckMsgpack([]byte{0x91, 0xc0}, 0); err == nil {
		t.Error("maxDepth 0 with an array: want an error")
	}
	if err := CheckMsgpack([]byte{0xc0}, -1); err != nil {
		t.Errorf("maxDepth -1 with a scalar: %v", err)
	}
	err := CheckMsgpack([]byte{0xdd, 0xff, 0xff, 0xff, 0xff}, MaxDepth)
	if err == nil || !strings.Contains(err.Error(), "4294967295") {
		t.Errorf("error should name the declared count: %v", err)
	}
}

// TestRecoverFallback: a panic inside a decoder (here, a destination's
// UnmarshalText) becomes an error.
func TestRecoverFallback(t *testing.T) {
	var p struct{ P panicker }
	b, _ := RickMsgpack().Marshal(map[string]any{"P": "x"})
	if err := RickMsgpack().Unmarshal(b, &p); err == nil || !strings.Contains(err.Error(), "panic") {
		t.Errorf("rick-msgpack: %v", err)
	}
	b, _ = Msgpack().Marshal(map[string]any{"P": "x"})
	if err := Msgpack().Unmarshal(b, &p); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("msgpack: %v", err)
	}
	if err := JSON().Unmarshal([]byte(`{"P":"x"}`), &p); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("json: %v", err)
	}
	if _, err := JSON().Marshal(marshalPanicker{}); err == nil || !strings.Contains(err.Error(), "panicked") {
		t.Errorf("json Marshal: %v", err)
	}
}

type panicker struct{}

func (*panicker) UnmarshalText([]byte) error { panic("boom") }

type marshalPanicker struct{}

func (marshalPanicker) MarshalJSON() ([]byte, error) { panic("boom") }

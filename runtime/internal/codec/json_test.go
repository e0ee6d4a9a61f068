package codec

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
	"github.com/google/uuid"
)

type jsonVectors struct {
	Cases []struct {
		Name    string          `json:"name"`
		Value   json.RawMessage `json:"value"`
		JSONHex string          `json:"json_hex"`
		Loads   json.RawMessage `json:"loads"`
	} `json:"cases"`
	Errors []struct {
		Name  string `json:"name"`
		Error string `json:"error"`
	} `json:"errors"`
}

// TestJSONVectorsDecode decodes rick's JSON into any and compares it with
// the mapping of Python's json.loads result.
func TestJSONVectorsDecode(t *testing.T) {
	var vec jsonVectors
	loadVectors(t, "json_rick.json", &vec)
	if len(vec.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, tc := range vec.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			var got any
			err := JSON().Unmarshal(unhex(t, tc.JSONHex), &got)
			if tc.Name == "float_specials" {
				// Python's allow_nan output (bare NaN, Infinity) is not JSON.
				if err == nil || !strings.Contains(err.Error(), "NaN") {
					t.Fatalf("got %#v, %v; want an error naming NaN", got, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := fromTV(t, tc.Loads)
			if d := diff(valueOf(want), valueOf(got)); d != "" {
				t.Fatalf("decoded %#v\nwant    %#v\n%s", got, want, d)
			}
		})
	}
}

// jsonView is what a Go value looks like after JSON and back into any:
// Decimal, UUID, Date and time become their text, []byte base64, integral
// floats integers (Go writes 1, not 1.0), map[any]any is not encodable.
func jsonView(v any) any {
	switch x := v.(type) {
	case pyval.Decimal:
		return x.String()
	case pyval.Date:
		return x.String()
	case uuid.UUID:
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case []byte:
		return base64.StdEncoding.EncodeToString(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e21 { // Go writes -0.0 as "-0": an integer
			return int64(x)
		}
		return x
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = jsonView(el)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, el := range x {
			out[k] = jsonView(el)
		}
		return out
	}
	return v
}

// TestJSONVectorsGoRoundTrip encodes the Go form of each case's value and
// decodes it back: into the value's own type (exact), and into any (equal
// to jsonView).
func TestJSONVectorsGoRoundTrip(t *testing.T) {
	var vec jsonVectors
	loadVectors(t, "json_rick.json", &vec)
	for _, tc := range vec.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			v := fromTV(t, tc.Value)
			if _, ok := v.(tvObject); ok {
				// A Python object's JSON is its attribute dict (asdict / __dict__);
				// the Go equivalent is a struct, checked in TestJSONStruct.
				var attrs struct {
					Attrs json.RawMessage `json:"attrs"`
				}
				_ = json.Unmarshal(tc.Value, &attrs)
				v = fromTV(t, attrs.Attrs)
			}
			b, err := JSON().Marshal(v)
			switch tc.Name {
			case "float_specials":
				if err == nil {
					t.Fatalf("NaN/Inf: got %s, want an error (JSON has no NaN)", b)
				}
				return
			case "non_str_keys":
				// map[any]any: encoding/json cannot write interface keys
				// (Python stringifies them); decoding is checked above.
				if err == nil {
					t.Fatalf("map[any]any: got %s, want an error", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			typed := reflect.New(reflect.TypeOf(v))
			if err := JSON().Unmarshal(b, typed.Interface()); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if tc.Name == "dict_basic" || tc.Name == "nested" || tc.Name == "empty_containers" ||
				tc.Name == "tuple" || tc.Name == "floats" || tc.Name == "decimals" ||
				tc.Name == "dataclass" || tc.Name == "plain_object" {
				// containers of any: compare through jsonView below
			} else if d := diff(valueOf(wantOffsetAny(v)), typed.Elem()); d != "" {
				t.Fatalf("typed round trip via %s: %s", b, d)
			}
			var got any
			if err := JSON().Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if d := diff(valueOf(jsonView(v)), valueOf(got)); d != "" {
				t.Fatalf("any round trip via %s: %s", b, d)
			}
		})
	}
}

func wantOffsetAny(v any) any {
	if t, ok := v.(time.Time); ok {
		return wantOffset(t)
	}
	return v
}

// TestJSONErrors shows the Go side of what rick's JSON encoder refuses.
func TestJSONErrors(t *testing.T) {
	var vec jsonVectors
	loadVectors(t, "json_rick.json", &vec)
	for _, e := range vec.Errors {
		switch e.Name {
		case "bytes_not_utf8":
			// Python writes bytes as UTF-8 text and fails on other bytes;
			// Go writes base64, so any bytes encode and round-trip.
			b, err := JSON().Marshal([]byte{0xff, 0xfe})
			var back []byte
			if err != nil || JSON().Unmarshal(b, &back) != nil || string(back) != "\xff\xfe" {
				t.Errorf("%s: %s %v %x", e.Name, b, err, back)
			}
		case "set":
			if _, err := JSON().Marshal(make(chan int)); err == nil {
				t.Errorf("%s: chan: want an error", e.Name)
			}
		case "date_key":
			// A Date map key uses MarshalText, so Go writes it as a string key.
			b, err := JSON().Marshal(map[pyval.Date]int{{Year: 2025, Month: 1, Day: 1}: 1})
			if err != nil || string(b) != `{"2025-01-01":1}` {
				t.Errorf("%s: %s %v", e.Name, b, err)
			}
		default:
			t.Errorf("new errors case %q: decide its Go equivalent", e.Name)
		}
	}
}

func TestJSONNumbers(t *testing.T) {
	big1, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	for in, want := range map[string]any{
		`1`:                              int64(1),
		`-0`:                             int64(0),
		`1.0`:                            1.0,
		`1e2`:                            100.0,
		`-0.0`:                           math.Copysign(0, -1),
		`9223372036854775807`:            int64(math.MaxInt64),
		`9223372036854775808`:            uint64(1 << 63),
		`18446744073709551615`:           uint64(math.MaxUint64),
		`123456789012345678901234567890`: big1,
		`[1, {"a": [2.5, 3]}]`:           []any{int64(1), map[string]any{"a": []any{2.5, int64(3)}}},
	} {
		var got any
		if err := JSON().Unmarshal([]byte(in), &got); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !equal(got, want) {
			t.Errorf("%s: got %#v, want %#v", in, got, want)
		}
	}
	var got any
	if err := JSON().Unmarshal([]byte(strings.Repeat("9", 4301)), &got); err == nil {
		t.Error("4301-digit integer: want an error")
	}
	for _, in := range []string{`1e400`, `-1e400`, `[1, 2e999]`} {
		if err := JSON().Unmarshal([]byte(in), &got); err == nil {
			t.Errorf("%s: decoded to %v, want an error (the encoder cannot write ±Inf)", in, got)
		}
	}
	// any inside typed containers follows the mapping too.
	var s struct {
		A any
		M map[string]any
		L []any
		P *any
	}
	if err := JSON().Unmarshal([]byte(`{"A": 1, "M": {"x": 2}, "L": [3, 4.5], "P": 5}`), &s); err != nil {
		t.Fatal(err)
	}
	if s.A != int64(1) || s.M["x"] != int64(2) || s.L[0] != int64(3) || s.L[1] != 4.5 || *s.P != int64(5) {
		t.Errorf("%#v", s)
	}
}

func TestJSONStruct(t *testing.T) {
	type point struct {
		X, Y int
	}
	b, err := JSON().Marshal(point{1, 2})
	if err != nil || string(b) != `{"X":1,"Y":2}` {
		t.Fatalf("%s %v", b, err)
	}
	// Python's dataclass JSON {"x": 1, "y": 2} fills the fields by name
	// (encoding/json matches case-insensitively).
	var p point
	if err := JSON().Unmarshal([]byte(`{"x": 1, "y": 2}`), &p); err != nil || p != (point{1, 2}) {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestJSONRejects(t *testing.T) {
	var v any
	var s struct{ A int }
	for name, in := range map[string]string{
		"trailing any":    `1 2`,
		"trailing struct": `{"A":1} {}`,
		"empty":           ``,
		"NaN":             `NaN`,
		"Infinity":        `[Infinity]`,
		"truncated":       `{"A":`,
		"too deep":        strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	} {
		if err := JSON().Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("%s into any: want an error", name)
		}
		if err := JSON().Unmarshal([]byte(in), &s); err == nil {
			t.Errorf("%s into struct: want an error", name)
		}
	}
	deep := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if err := JSON().Unmarshal([]byte(deep), &v); err != nil {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
	// Brackets inside strings do not count.
	if err := JSON().Unmarshal([]byte(`"`+strings.Repeat("[", 1000)+`\"["`), &v); err != nil {
		t.Errorf("brackets in a string: %v", err)
	}
	if err := JSON().Unmarshal([]byte(`1`), v); err == nil {
		t.Error("non-pointer: want an error")
	}
	err := JSON().Unmarshal([]byte(strings.Repeat("[", MaxDepth+1)), &v)
	if !errors.Is(err, ErrMalformed) {
		t.Errorf("too deep: %v, want ErrMalformed", err)
	}
}

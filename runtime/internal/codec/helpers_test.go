package codec

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
	"github.com/google/uuid"
)

const vectorDir = "../../testdata/vectors/"

func loadVectors(t testing.TB, file string, dst any) {
	t.Helper()
	data, err := os.ReadFile(vectorDir + file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, dst); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tvObject and tvRepr stand for Python values the mapping has no Go form for.
type tvObject struct{ Name string }
type tvRepr struct{ Repr string }

// fromTV converts the vectors' typed-value JSON form into the Go value the
// DESIGN mapping gives for it (see vectors/README.md for the tv form).
// It deliberately does not use the package's own parsers.
func fromTV(t testing.TB, raw json.RawMessage) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("tv %s: %v", raw, err)
	}
	if obj, ok := x.(map[string]any); ok && len(obj) >= 1 {
		// Re-decode the single-key object keeping raw sub-values.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			return fromTVTagged(t, k, v, m)
		}
	}
	switch v := x.(type) {
	case nil, bool, string:
		return v
	}
	t.Fatalf("unexpected tv %s", raw)
	return nil
}

func fromTVTagged(t testing.TB, tag string, v json.RawMessage, all map[string]json.RawMessage) any {
	t.Helper()
	str := func() string {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			t.Fatalf("tv %s: %v", tag, err)
		}
		return s
	}
	list := func() []json.RawMessage {
		var l []json.RawMessage
		if err := json.Unmarshal(v, &l); err != nil {
			t.Fatalf("tv %s: %v", tag, err)
		}
		return l
	}
	switch tag {
	case "int":
		s := str()
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u
		}
		n, _ := new(big.Int).SetString(s, 10)
		return n
	case "float":
		switch s := str(); s {
		case "nan":
			return math.NaN()
		case "inf":
			return math.Inf(1)
		case "-inf":
			return math.Inf(-1)
		default:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	case "bytes", "memoryview":
		return unhex(t, str())
	case "list", "tuple", "set", "frozenset":
		out := []any{}
		for _, el := range list() {
			out = append(out, fromTV(t, el))
		}
		return out
	case "dict":
		m := map[string]any{}
		var mm map[any]any
		for _, pair := range list() {
			var kv []json.RawMessage
			if err := json.Unmarshal(pair, &kv); err != nil || len(kv) != 2 {
				t.Fatalf("tv dict pair %s", pair)
			}
			k, val := fromTV(t, kv[0]), fromTV(t, kv[1])
			if b, ok := k.([]byte); ok {
				k = string(b)
			}
			if ks, ok := k.(string); ok && mm == nil {
				m[ks] = val
				continue
			}
			if mm == nil {
				mm = map[any]any{}
				for a, b := range m {
					mm[a] = b
				}
			}
			mm[k] = val
		}
		if mm != nil {
			return mm
		}
		return m
	case "decimal":
		d, err := pyval.ParseDecimal(str())
		if err != nil {
			t.Fatal(err)
		}
		return d
	case "datetime":
		return tvDatetime(t, str())
	case "date":
		d, err := pyval.ParseDate(str())
		if err != nil {
			t.Fatal(err)
		}
		return d
	case "uuid":
		return uuid.MustParse(str())
	case "object", "attrs":
		var name string
		_ = json.Unmarshal(all["object"], &name)
		return tvObject{name}
	case "repr":
		return tvRepr{str()}
	}
	t.Fatalf("unknown tv tag %q", tag)
	return nil
}

// tvDatetime reads Python's isoformat with time.Parse: aware values keep a
// fixed offset (UTC for +00:00), naive values are UTC.
func tvDatetime(t testing.TB, s string) time.Time {
	t.Helper()
	for _, layout := range []string{"2006-01-02T15:04:05.999999-07:00", "2006-01-02T15:04:05.999999"} {
		if v, err := time.Parse(layout, s); err == nil {
			_, off := v.Zone()
			if off == 0 {
				return v.UTC()
			}
			return v.In(time.FixedZone("", off))
		}
	}
	t.Fatalf("tv datetime %q", s)
	return time.Time{}
}

// equal compares decoded values: times by instant and offset, floats by
// value with NaN equal to NaN and -0 distinct from 0, big ints by value,
// everything else structurally (recursing through any, maps, slices,
// structs and pointers).
func equal(a, b any) bool { return diff(reflect.ValueOf(a), reflect.ValueOf(b)) == "" }

func diff(a, b reflect.Value) string {
	if !a.IsValid() || !b.IsValid() {
		if a.IsValid() != b.IsValid() {
			return fmt.Sprintf("%v vs %v", a, b)
		}
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("type %s (%v) vs %s (%v)", a.Type(), a, b.Type(), b)
	}
	switch a.Type() {
	case timeType:
		ta, tb := a.Interface().(time.Time), b.Interface().(time.Time)
		_, oa := ta.Zone()
		_, ob := tb.Zone()
		if !ta.Equal(tb) || oa != ob {
			return fmt.Sprintf("time %s vs %s", ta, tb)
		}
		return ""
	case bigIntPtrType:
		if a.Interface().(*big.Int).Cmp(b.Interface().(*big.Int)) != 0 {
			return fmt.Sprintf("%v vs %v", a, b)
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Float32, reflect.Float64:
		fa, fb := a.Float(), b.Float()
		if (math.IsNaN(fa) && math.IsNaN(fb)) || (fa == fb && math.Signbit(fa) == math.Signbit(fb)) {
			return ""
		}
		return fmt.Sprintf("%v vs %v", fa, fb)
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("nil vs non-nil %v %v", a, b)
			}
			return ""
		}
		return diff(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.IsNil() != b.IsNil() {
			return fmt.Sprintf("nil slice vs empty: %#v vs %#v", a, b)
		}
		fallthrough
	case reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("len %d vs %d: %v vs %v", a.Len(), b.Len(), a, b)
		}
		for i := 0; i < a.Len(); i++ {
			if d := diff(a.Index(i), b.Index(i)); d != "" {
				return fmt.Sprintf("[%d]: %s", i, d)
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("map len %d vs %d: %v vs %v", a.Len(), b.Len(), a, b)
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return fmt.Sprintf("key %v missing", k)
			}
			if d := diff(a.MapIndex(k), bv); d != "" {
				return fmt.Sprintf("[%v]: %s", k, d)
			}
		}
		return ""
	case reflect.Struct:
		if a.Type() == decimalType {
			if a.Interface() != b.Interface() {
				return fmt.Sprintf("%v vs %v", a, b)
			}
			return ""
		}
		for i := 0; i < a.NumField(); i++ {
			if !a.Type().Field(i).IsExported() {
				continue // not encoded by any codec
			}
			if d := diff(a.Field(i), b.Field(i)); d != "" {
				return fmt.Sprintf(".%s: %s", a.Type().Field(i).Name, d)
			}
		}
		return ""
	}
	if !reflect.DeepEqual(a.Interface(), b.Interface()) {
		return fmt.Sprintf("%#v vs %#v", a, b)
	}
	return ""
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s: %v", name, err)
	}
	return l
}

// ttHex is a readable byte string for failure messages.
func ttHex(b []byte) string { return strings.ToLower(hex.EncodeToString(b)) }

func valueOf(x any) reflect.Value { return reflect.ValueOf(x) }

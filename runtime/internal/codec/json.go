package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

type jsonCodec struct{}

// JSON returns the encoding/json codec. Encoding is encoding/json's:
// runtime.Decimal, runtime.Date and uuid.UUID are strings through their
// MarshalText ("123.45", "2025-01-02", lowercase hyphenated), time.Time is
// RFC 3339 with nanoseconds (ISO 8601, which Python's fromisoformat reads;
// UTC as "Z" where Python writes "+00:00"), []byte is base64. Go writes
// integral floats without a fraction (1, not 1.0), so such a float read back
// into `any` is an int64; typed destinations are unaffected.
//
// Decoding into `any` (also `any` inside maps, slices and structs) gives
// int64 for integers, uint64 for integers above MaxInt64, *big.Int beyond 64
// bits (at most 4300 digits, Python's default int/str limit), and float64
// only for numbers with a fraction or exponent. A float beyond float64's
// range (1e400, which Python reads as inf) is an error, as are Python's bare
// NaN and Infinity: the encoder could not write them back.
func JSON() Codec { return jsonCodec{} }

func (jsonCodec) Name() string { return "json" }

func (jsonCodec) Marshal(v any) (b []byte, err error) {
	defer recoverTo("json", "Marshal", &err)
	if b, err = json.Marshal(v); err != nil {
		return nil, fmt.Errorf("json: encode %T: %w", v, err)
	}
	return b, nil
}

func (jsonCodec) Unmarshal(data []byte, v any) (err error) {
	defer recoverTo("json", "Unmarshal", &err)
	rv, err := checkDst("json", v)
	if err != nil {
		return err
	}
	if err := checkJSONDepth(data, MaxDepth); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	if err := jsonCost(data, rv.Type().Elem(), DecodeLimit(len(data))); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	if !mayHoldInterface(rv.Type().Elem()) {
		// No `any` anywhere in the destination: json.Unmarshal is faster,
		// and it validates the whole input, trailing data included.
		if err := json.Unmarshal(data, v); err != nil {
			return jsonError(data, v, err)
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(data, v, err)
	}
	if rest := data[dec.InputOffset():]; len(bytes.TrimLeft(rest, " \t\r\n")) != 0 {
		return fmt.Errorf("json: decode into %T: %w: trailing data after the value at offset %d", v, ErrMalformed, dec.InputOffset())
	}
	if err := fixNumbers(rv.Elem(), 0); err != nil {
		return fmt.Errorf("json: decode into %T: %w", v, err)
	}
	return nil
}

// jsonError adds a hint when the input is Python's allow_nan output.
func jsonError(data []byte, v any, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 && se.Offset <= int64(len(data)) {
		rest := data[se.Offset-1:]
		for _, lit := range []string{"NaN", "Infinity", "-Infinity"} {
			if bytes.HasPrefix(rest, []byte(lit)) {
				return fmt.Errorf("json: decode into %T: %w (Python writes bare %s for a float that JSON cannot hold)", v, err, lit)
			}
		}
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("json: decode into %T: unexpected end of JSON input", v)
	}
	return fmt.Errorf("json: decode into %T: %w", v, err)
}

// maxIntDigits is Python's sys.int_info.default_max_str_digits: Python
// itself refuses to parse longer integers, and big.Int parsing is
// superlinear.
const maxIntDigits = 4300

// convertNumber applies the mapping to a JSON number literal.
func convertNumber(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return u, nil
		}
		if digits := len(strings.TrimLeft(s, "-")); digits > maxIntDigits {
			return nil, fmt.Errorf("integer of %d digits exceeds the limit of %d", digits, maxIntDigits)
		}
		n, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, fmt.Errorf("invalid integer %q", s)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		// Out of range (1e400) is an error rather than ±Inf: Python reads it
		// as inf, but neither JSON nor this codec's encoder can write ±Inf
		// back, and a decoder must not accept what its encoder refuses (the
		// near cache copies values by re-encoding them).
		return nil, fmt.Errorf("invalid number %.40q: %w", s, err)
	}
	return f, nil
}

var numberType = reflect.TypeFor[json.Number]()

// fixAny converts the json.Numbers in a value decoded into `any`.
func fixAny(x any, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, errTooDeep
	}
	switch v := x.(type) {
	case json.Number:
		return convertNumber(string(v))
	case []any:
		for i, el := range v {
			var err error
			if v[i], err = fixAny(el, depth+1); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k, el := range v {
			n, err := fixAny(el, depth+1)
			if err != nil {
				return nil, err
			}
			v[k] = n
		}
	}
	return x, nil
}

// fixNumbers walks a decoded typed value and converts the json.Numbers
// that UseNumber left in its interface-typed parts.
func fixNumbers(v reflect.Value, depth int) error {
	if depth > MaxDepth {
		return errTooDeep
	}
	t := v.Type()
	if !mayHoldInterface(t) {
		return nil
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		e := v.Elem()
		switch e.Type() {
		case numberType, reflect.TypeFor[[]any](), reflect.TypeFor[map[string]any]():
			x, err := fixAny(e.Interface(), depth)
			if err != nil {
				return err
			}
			if x == nil {
				return nil
			}
			xv := reflect.ValueOf(x)
			if !xv.Type().AssignableTo(t) {
				return fmt.Errorf("number %v cannot be stored in %s", x, t)
			}
			v.Set(xv)
			return nil
		}
		if e.Kind() == reflect.Pointer { // json decoded into a value the interface held
			return fixNumbers(e, depth+1)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			return fixNumbers(v.Elem(), depth+1)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				if fv := v.Field(i); fv.CanSet() {
					if err := fixNumbers(fv, depth+1); err != nil {
						return err
					}
				}
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := fixNumbers(v.Index(i), depth+1); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.IsNil() {
			return nil
		}
		tmp := reflect.New(t.Elem()).Elem()
		iter := v.MapRange()
		for iter.Next() {
			tmp.Set(iter.Value())
			if err := fixNumbers(tmp, depth+1); err != nil {
				return err
			}
			v.SetMapIndex(iter.Key(), tmp)
		}
	}
	return nil
}

var holdsInterface sync.Map // reflect.Type → bool

// mayHoldInterface reports whether a value of type t can contain an
// interface value somewhere (through fields, elements, pointers), where
// UseNumber leaves json.Numbers.
func mayHoldInterface(t reflect.Type) bool {
	if r, ok := holdsInterface.Load(t); ok {
		return r.(bool)
	}
	r := holdsIface(t, map[reflect.Type]bool{})
	holdsInterface.Store(t, r)
	return r
}

func holdsIface(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false // the other paths from the root decide
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holdsIface(t.Elem(), seen)
	case reflect.Map:
		return holdsIface(t.Key(), seen) || holdsIface(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if holdsIface(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

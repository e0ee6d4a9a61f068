package pickle

import (
	"encoding"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	ogrek "github.com/kisielk/og-rek"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

var (
	timeType          = reflect.TypeFor[time.Time]()
	dateType          = reflect.TypeFor[pyval.Date]()
	decimalType       = reflect.TypeFor[pyval.Decimal]()
	uuidType          = reflect.TypeFor[uuid.UUID]()
	bigIntType        = reflect.TypeFor[big.Int]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// maxEncodeSteps bounds recursion through pointers and interfaces, which do
// not add container depth (a cycle such as x := new(any); *x = x).
const maxEncodeSteps = 8 * MaxDepth

type encoder struct{}

// toPy converts a Go value into what og-rek encodes as the right Python
// value. containers is the container nesting so far, steps the recursion
// depth.
func (e *encoder) toPy(v reflect.Value, containers, steps int, key bool) (any, error) {
	if steps > maxEncodeSteps {
		return nil, fmt.Errorf("pickle: value nested too deeply (cyclic?)")
	}
	if !v.IsValid() {
		return ogrek.None{}, nil
	}
	t := v.Type()
	switch t {
	case timeType:
		return e.datetime(v.Interface().(time.Time), key)
	case dateType:
		return e.date(v.Interface().(pyval.Date), key)
	case decimalType:
		return call("decimal", "Decimal", key, v.Interface().(pyval.Decimal).String()), nil
	case uuidType:
		return call("uuid", "UUID", key, v.Interface().(uuid.UUID).String()), nil
	case bigIntType:
		b := v.Interface().(big.Int)
		return bigInt(&b)
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return ogrek.None{}, nil
		}
		return e.toPy(v.Elem(), containers, steps+1, key)
	case reflect.Interface:
		if v.IsNil() {
			return ogrek.None{}, nil
		}
		return e.toPy(v.Elem(), containers, steps+1, key)
	}
	if t.Implements(textMarshalerType) && t.Kind() != reflect.String {
		text, err := v.Interface().(encoding.TextMarshaler).MarshalText()
		if err != nil {
			return nil, fmt.Errorf("pickle: %s.MarshalText: %w", t, err)
		}
		return checkedString(string(text))
	}
	switch t.Kind() {
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := v.Uint()
		if u > math.MaxInt64 {
			// og-rek writes such a uint64 as a text INT, which gopickle cannot
			// read back; a LONG is read by both.
			return bigInt(new(big.Int).SetUint64(u))
		}
		return int64(u), nil
	case reflect.Float32, reflect.Float64:
		return v.Float(), nil
	case reflect.String:
		return checkedString(v.String())
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			if v.IsNil() && !key {
				return ogrek.Bytes(""), nil
			}
			return ogrek.Bytes(v.Bytes()), nil
		}
		if v.IsNil() {
			if key {
				return &ogrek.Tuple{}, nil
			}
			return []any{}, nil
		}
		return e.sequence(v, containers, steps, key)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			return ogrek.Bytes(b), nil
		}
		return e.sequence(v, containers, steps, key)
	}
	if key {
		return nil, fmt.Errorf("pickle: a %s cannot be a Python dict key", t)
	}
	switch t.Kind() {
	case reflect.Map:
		if containers+1 > MaxDepth {
			return nil, errTooDeep
		}
		if v.IsNil() {
			return map[string]any{}, nil
		}
		return e.mapping(v, containers+1, steps+1)
	case reflect.Struct:
		if containers+1 > MaxDepth {
			return nil, errTooDeep
		}
		return e.structure(v, containers+1, steps+1)
	}
	return nil, fmt.Errorf("pickle: cannot encode a value of type %s", t)
}

var errTooDeep = fmt.Errorf("pickle: value nested deeper than %d levels", MaxDepth)

func checkedString(s string) (any, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("pickle: string is not valid UTF-8 (Python cannot read it as str)")
	}
	return s, nil
}

// call is a REDUCE of module.name(args...). As a dict key it must be a
// pointer: og-rek's Call holds a slice, so it is not a valid Go map key.
func call(module, name string, key bool, args ...any) any {
	c := ogrek.Call{Callable: ogrek.Class{Module: module, Name: name}, Args: ogrek.Tuple(args)}
	if key {
		return &c
	}
	return c
}

func bigInt(n *big.Int) (any, error) {
	if n.IsInt64() {
		return n.Int64(), nil
	}
	// og-rek writes a text LONG, which Python parses with int(); Python
	// refuses more than 4300 digits there.
	if len(n.String()) > MaxIntDigits+1 {
		return nil, fmt.Errorf("pickle: integer has more than %d digits", MaxIntDigits)
	}
	return new(big.Int).Set(n), nil
}

// datetime writes time.Time as datetime.datetime(state, timezone(timedelta(
// days, seconds))): always aware, keeping the offset (not the zone name).
// Python has microsecond resolution: nanoseconds are truncated.
func (e *encoder) datetime(t time.Time, key bool) (any, error) {
	y, mo, d := t.Date()
	hh, mm, ss := t.Clock()
	if y < 1 || y > 9999 {
		return nil, fmt.Errorf("pickle: year %d is outside Python's datetime range 1..9999", y)
	}
	_, off := t.Zone()
	if off <= -86400 || off >= 86400 {
		return nil, fmt.Errorf("pickle: UTC offset %ds is outside Python's range", off)
	}
	us := t.Nanosecond() / 1000
	state := []byte{byte(y >> 8), byte(y), byte(mo), byte(d), byte(hh), byte(mm), byte(ss),
		byte(us >> 16), byte(us >> 8), byte(us)}
	days, secs := int64(off)/86400, int64(off)%86400
	if secs < 0 { // Python normalises to 0 <= seconds < 86400
		days, secs = days-1, secs+86400
	}
	td := ogrek.Call{Callable: ogrek.Class{Module: "datetime", Name: "timedelta"},
		Args: ogrek.Tuple{days, secs, int64(0)}}
	tz := ogrek.Call{Callable: ogrek.Class{Module: "datetime", Name: "timezone"}, Args: ogrek.Tuple{td}}
	return call("datetime", "datetime", key, ogrek.Bytes(state), tz), nil
}

func (e *encoder) date(d pyval.Date, key bool) (any, error) {
	if d.Year < 1 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > daysIn(d.Year, d.Month) {
		return nil, fmt.Errorf("pickle: invalid date %s", d)
	}
	state := []byte{byte(d.Year >> 8), byte(d.Year), byte(d.Month), byte(d.Day)}
	return call("datetime", "date", key, ogrek.Bytes(state)), nil
}

// sequence writes slices and arrays as lists; as a dict key (hashable in
// Python) as a tuple.
func (e *encoder) sequence(v reflect.Value, containers, steps int, key bool) (any, error) {
	if containers+1 > MaxDepth {
		return nil, errTooDeep
	}
	out := make([]any, v.Len())
	for i := range out {
		item, err := e.toPy(v.Index(i), containers+1, steps+1, key)
		if err != nil {
			return nil, err
		}
		out[i] = item
	}
	if key {
		tup := ogrek.Tuple(out)
		return &tup, nil
	}
	return out, nil
}

func (e *encoder) mapping(v reflect.Value, containers, steps int) (any, error) {
	if v.Type().Key().Kind() == reflect.String {
		out := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			k, err := checkedString(it.Key().String())
			if err != nil {
				return nil, err
			}
			val, err := e.toPy(it.Value(), containers, steps, false)
			if err != nil {
				return nil, err
			}
			out[k.(string)] = val
		}
		return out, nil
	}
	out := make(map[any]any, v.Len())
	it := v.MapRange()
	for it.Next() {
		k, err := e.toPy(it.Key(), containers, steps, true)
		if err != nil {
			return nil, err
		}
		val, err := e.toPy(it.Value(), containers, steps, false)
		if err != nil {
			return nil, err
		}
		out[k] = val
	}
	return out, nil
}

// structure writes a struct as a dict of its fields (pyval.StructFields:
// exported fields, promoted fields of embedded structs, not `cache:"-"`),
// keyed by the `pickle` tag name or else the Go field name.
func (e *encoder) structure(v reflect.Value, containers, steps int) (any, error) {
	fields := pyval.StructFields(v.Type())
	out := make(map[string]any, len(fields))
	for i := range fields {
		f := &fields[i]
		fv, ok := fieldByIndex(v, f.Index)
		if !ok {
			continue // behind a nil embedded pointer
		}
		name := f.TagName("pickle")
		if name == "" {
			name = f.Name
		}
		val, err := e.toPy(fv, containers, steps, false)
		if err != nil {
			return nil, err
		}
		out[name] = val
	}
	return out, nil
}

func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

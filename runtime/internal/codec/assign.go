package codec

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
	"github.com/google/uuid"
)

// assign stores src, a value of the Python ↔ Go mapping (what rickDecoder
// produces), into dst, which must be settable. It is how rick-msgpack
// decodes into typed destinations: decoding into `any` first keeps a single
// reader of rick's format, and lets `any` fields inside structs follow the
// same mapping as a top-level `any`.
//
// Conversions: None → the zero value (nil for pointers, slices, maps);
// integers into any int, uint or float kind when they fit; floats into float
// kinds; str into string kinds, []byte and TextUnmarshalers; bytes into
// []byte, [N]byte, string kinds and BinaryUnmarshalers (uuid.UUID from 16
// bytes); lists into slices and arrays of the same length; dicts into maps
// and structs (fields by name, exact then case-insensitive; unknown keys are
// ignored); datetime, date, Decimal and UUID into their Go types (and from
// their text forms).
func assign(dst reflect.Value, src any) error {
	if src == nil {
		dst.SetZero()
		return nil
	}
	t := dst.Type()
	switch t {
	case timeType:
		switch s := src.(type) {
		case time.Time:
			dst.Set(reflect.ValueOf(s))
			return nil
		case string:
			v, err := parsePyISO(s)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(v))
			return nil
		}
		return mismatch(src, t)
	case dateType:
		switch s := src.(type) {
		case pyval.Date:
			dst.Set(reflect.ValueOf(s))
			return nil
		case string:
			v, err := pyval.ParseDate(s)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(v))
			return nil
		}
		return mismatch(src, t)
	case decimalType:
		var text string
		switch s := src.(type) {
		case pyval.Decimal:
			dst.Set(reflect.ValueOf(s))
			return nil
		case string:
			text = s
		case int64:
			text = strconv.FormatInt(s, 10)
		case uint64:
			text = strconv.FormatUint(s, 10)
		default:
			return mismatch(src, t)
		}
		v, err := pyval.ParseDecimal(text)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(v))
		return nil
	case uuidType:
		switch s := src.(type) {
		case uuid.UUID:
			dst.Set(reflect.ValueOf(s))
			return nil
		case []byte:
			v, err := uuid.FromBytes(s)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(v))
			return nil
		case string:
			v, err := uuid.Parse(s)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(v))
			return nil
		}
		return mismatch(src, t)
	}

	switch dst.Kind() {
	case reflect.Interface:
		sv := reflect.ValueOf(src)
		if !sv.Type().AssignableTo(t) {
			return mismatch(src, t)
		}
		dst.Set(sv)
		return nil
	case reflect.Pointer:
		if dst.IsNil() {
			dst.Set(reflect.New(t.Elem()))
		}
		return assign(dst.Elem(), src)
	}

	// Types that read their own text or bytes (net.IP, named enums, ...).
	if dst.CanAddr() {
		switch s := src.(type) {
		case string:
			if u, ok := dst.Addr().Interface().(encoding.TextUnmarshaler); ok {
				return u.UnmarshalText([]byte(s))
			}
		case []byte:
			if u, ok := dst.Addr().Interface().(encoding.BinaryUnmarshaler); ok {
				return u.UnmarshalBinary(s)
			}
			if u, ok := dst.Addr().Interface().(encoding.TextUnmarshaler); ok {
				return u.UnmarshalText(s)
			}
		}
	}

	switch dst.Kind() {
	case reflect.Bool:
		if b, ok := src.(bool); ok {
			dst.SetBool(b)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var n int64
		switch s := src.(type) {
		case int64:
			n = s
		case uint64:
			if s > math.MaxInt64 {
				return overflow(src, t)
			}
			n = int64(s)
		default:
			return mismatch(src, t)
		}
		if dst.OverflowInt(n) {
			return overflow(src, t)
		}
		dst.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		var n uint64
		switch s := src.(type) {
		case int64:
			if s < 0 {
				return overflow(src, t)
			}
			n = uint64(s)
		case uint64:
			n = s
		default:
			return mismatch(src, t)
		}
		if dst.OverflowUint(n) {
			return overflow(src, t)
		}
		dst.SetUint(n)
		return nil
	case reflect.Float32, reflect.Float64:
		var f float64
		switch s := src.(type) {
		case float64:
			f = s
		case int64:
			f = float64(s)
		case uint64:
			f = float64(s)
		default:
			return mismatch(src, t)
		}
		if dst.OverflowFloat(f) {
			return overflow(src, t)
		}
		dst.SetFloat(f)
		return nil
	case reflect.String:
		switch s := src.(type) {
		case string:
			dst.SetString(s)
			return nil
		case []byte:
			dst.SetString(string(s))
			return nil
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			switch s := src.(type) {
			case []byte:
				dst.SetBytes(append([]byte{}, s...))
				return nil
			case string:
				dst.SetBytes([]byte(s))
				return nil
			}
		}
		if s, ok := src.([]any); ok {
			sv := reflect.MakeSlice(t, len(s), len(s))
			for i, el := range s {
				if err := assign(sv.Index(i), el); err != nil {
					return fmt.Errorf("[%d]: %w", i, err)
				}
			}
			dst.Set(sv)
			return nil
		}
	case reflect.Array:
		if b, ok := src.([]byte); ok && t.Elem().Kind() == reflect.Uint8 {
			if len(b) != dst.Len() {
				return fmt.Errorf("cannot decode %d bytes into %s", len(b), t)
			}
			reflect.Copy(dst, reflect.ValueOf(b))
			return nil
		}
		if s, ok := src.([]any); ok {
			if len(s) != dst.Len() {
				return fmt.Errorf("cannot decode a list of %d into %s", len(s), t)
			}
			for i, el := range s {
				if err := assign(dst.Index(i), el); err != nil {
					return fmt.Errorf("[%d]: %w", i, err)
				}
			}
			return nil
		}
	case reflect.Map:
		return assignMap(dst, src)
	case reflect.Struct:
		return assignStruct(dst, src)
	}
	return mismatch(src, t)
}

func assignMap(dst reflect.Value, src any) error {
	t := dst.Type()
	var n int
	switch s := src.(type) {
	case map[string]any:
		n = len(s)
	case map[any]any:
		n = len(s)
	default:
		return mismatch(src, t)
	}
	m := reflect.MakeMapWithSize(t, n)
	kv := reflect.New(t.Key()).Elem()
	vv := reflect.New(t.Elem()).Elem()
	put := func(k, v any) error {
		kv.SetZero()
		if err := assign(kv, k); err != nil {
			return fmt.Errorf("key %v: %w", k, err)
		}
		vv.SetZero()
		if err := assign(vv, v); err != nil {
			return fmt.Errorf("[%v]: %w", k, err)
		}
		m.SetMapIndex(kv, vv)
		return nil
	}
	switch s := src.(type) {
	case map[string]any:
		for k, v := range s {
			if err := put(k, v); err != nil {
				return err
			}
		}
	case map[any]any:
		for k, v := range s {
			if err := put(k, v); err != nil {
				return err
			}
		}
	}
	dst.Set(m)
	return nil
}

func assignStruct(dst reflect.Value, src any) error {
	si := getStructInfo(dst.Type())
	set := func(k string, v any) error {
		i, ok := si.byName[k]
		if !ok {
			if i, ok = si.byFold[strings.ToLower(k)]; !ok {
				return nil // unknown keys are ignored, as vmihailenco does
			}
		}
		f := &si.fields[i]
		if err := assign(dst.FieldByIndex(f.index), v); err != nil {
			return fmt.Errorf(".%s: %w", f.name, err)
		}
		return nil
	}
	switch s := src.(type) {
	case map[string]any:
		for k, v := range s {
			if err := set(k, v); err != nil {
				return err
			}
		}
		return nil
	case map[any]any:
		for k, v := range s {
			if ks, ok := k.(string); ok {
				if err := set(ks, v); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return mismatch(src, dst.Type())
}

func mismatch(src any, t reflect.Type) error {
	return fmt.Errorf("cannot decode %s into %s", pyTypeName(src), t)
}

func overflow(src any, t reflect.Type) error {
	return fmt.Errorf("%v overflows %s", src, t)
}

// pyTypeName names a decoded value by its Python type, for errors.
func pyTypeName(v any) string {
	switch v.(type) {
	case bool:
		return "bool"
	case int64, uint64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case []any:
		return "list"
	case map[string]any, map[any]any:
		return "dict"
	case time.Time:
		return "datetime"
	case pyval.Date:
		return "date"
	case pyval.Decimal:
		return "Decimal"
	case uuid.UUID:
		return "UUID"
	}
	return fmt.Sprintf("%T", v)
}

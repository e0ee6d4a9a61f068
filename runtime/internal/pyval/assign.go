package pyval

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// MaxAssignDepth bounds how deeply Assign recurses (containers, pointers and
// interfaces all count). A decoded tree is far shallower than this; the limit
// only stops self-referencing input from exhausting the goroutine stack.
const MaxAssignDepth = 10000

// AssignError is the error Assign returns. Path names where in the
// destination the problem is, in Go syntax relative to the destination:
// ".Tags[3]", `.Attrs["color"]`, "" for the destination itself.
type AssignError struct {
	Path string
	Msg  string
	err  error
}

// Unwrap returns ErrBudget for a budget error, else nil.
func (e *AssignError) Unwrap() error { return e.err }

func (e *AssignError) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return "field " + e.Path + ": " + e.Msg
}

// pathElem is a lazily formatted path: it is only rendered on error.
type pathElem struct {
	parent *pathElem
	kind   byte // 'f' field, 'i' index, 'k' map key
	name   string
	index  int
	key    any
}

func (p *pathElem) String() string {
	if p == nil {
		return ""
	}
	var parts []*pathElem
	for q := p; q != nil; q = q.parent {
		parts = append(parts, q)
	}
	var b strings.Builder
	for i := len(parts) - 1; i >= 0; i-- {
		q := parts[i]
		switch q.kind {
		case 'f':
			b.WriteByte('.')
			b.WriteString(q.name)
		case 'i':
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(q.index))
			b.WriteByte(']')
		case 'k':
			b.WriteByte('[')
			if s, ok := q.key.(string); ok {
				b.WriteString(strconv.Quote(s))
			} else {
				fmt.Fprintf(&b, "%v", q.key)
			}
			b.WriteByte(']')
		}
	}
	return b.String()
}

func fail(p *pathElem, format string, args ...any) error {
	return &AssignError{Path: p.String(), Msg: fmt.Sprintf(format, args...)}
}

var (
	timeType              = reflect.TypeFor[time.Time]()
	dateType              = reflect.TypeFor[Date]()
	decimalType           = reflect.TypeFor[Decimal]()
	uuidType              = reflect.TypeFor[uuid.UUID]()
	bigIntType            = reflect.TypeFor[big.Int]()
	textUnmarshalerType   = reflect.TypeFor[encoding.TextUnmarshaler]()
	binaryUnmarshalerType = reflect.TypeFor[encoding.BinaryUnmarshaler]()
)

// Assign stores a decoded Python-value tree into the Go value dst points to.
//
// src is a tree of nil, bool, int64, uint64, *big.Int, float64, string,
// []byte, []any, map[string]any, map[any]any, time.Time, Date, Decimal and
// uuid.UUID, as the pickle, rick-msgpack and JSON decoders produce. dst must be
// a non-nil pointer. The rules:
//
//   - struct fields are matched by name: exactly (a `pickle`, `json` or
//     `msgpack` tag name first, then the Go field name), then
//     case-insensitively. Keys without a field are ignored; fields without a
//     key are left alone. Fields tagged `cache:"-"` are never filled.
//     Fields of embedded structs are promoted, as encoding/json does.
//   - numbers are range-checked: an overflow is an error, never truncation; a
//     float goes into an integer only when it is integral.
//   - string and []byte convert into each other; types implementing
//     encoding.TextUnmarshaler are filled from a string.
//   - time.Time takes a time.Time, a Date (midnight UTC) or an ISO 8601
//     string; Date a Date or "YYYY-MM-DD"; Decimal a Decimal, a decimal string,
//     an integer or a float; uuid.UUID a UUID, its text or 16 raw bytes.
//   - None sets pointers, slices, maps and interfaces to nil and is an error
//     for every other kind.
//   - pointers are allocated afresh; maps are built afresh; arrays need a list
//     of exactly their length.
//
// Assign may share memory with src (a decoder hands over a fresh tree); []byte
// values are copied. It never panics: a panic inside a user's UnmarshalText is
// returned as an error.
func Assign(dst any, src any) error { return AssignLimited(dst, src, math.MaxInt64) }

// AssignLimited is Assign that fails with an error wrapping ErrBudget,
// instead of allocating more than about limit bytes.
func AssignLimited(dst any, src any, limit int64) (err error) {
	rv := reflect.ValueOf(dst)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return &AssignError{Msg: fmt.Sprintf("destination must be a non-nil pointer, got %s", goTypeName(dst))}
	}
	defer func() {
		if r := recover(); r != nil {
			err = &AssignError{Msg: fmt.Sprintf("panic while assigning: %v", r)}
		}
	}()
	a := &assigner{left: limit}
	return a.assign(rv.Elem(), src, nil, 0)
}

// ErrBudget is wrapped by the error of an assignment that would allocate
// more than its limit (AssignLimited).
var ErrBudget = errors.New("value exceeds the decoding budget")

// assigner carries what one assignment may still allocate. The charges are
// upper bounds of what each step allocates (the new slice, map or pointee,
// copied bytes, the lazily rendered path elements); the decoders' budget
// tests measure that they hold.
type assigner struct{ left int64 }

func (a *assigner) charge(p *pathElem, n int64) error {
	a.left -= n
	if a.left < 0 {
		return &AssignError{Path: p.String(), Msg: ErrBudget.Error() + " (the destination type multiplies the input: e.g. a long list into a slice of large structs)", err: ErrBudget}
	}
	return nil
}

func allocSize(s uintptr) int64 { return int64(s) + int64(s)/8 + 16 }

// pathCost is what one heap-allocated path element costs.
const pathCost = 80

func goTypeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

// srcName names a tree value by its Python type, in error messages.
func srcName(src any) string {
	switch src.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, uint64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case map[string]any, map[any]any:
		return "dict"
	case []byte:
		return "bytes"
	case time.Time:
		return "datetime"
	case Date:
		return "date"
	case Decimal:
		return "Decimal"
	case uuid.UUID:
		return "UUID"
	}
	return reflect.TypeOf(src).String()
}

func mismatch(p *pathElem, src any, t reflect.Type) error {
	return fail(p, "cannot assign %s to %s", srcName(src), t)
}

func (a *assigner) assign(v reflect.Value, src any, p *pathElem, depth int) error {
	if depth > MaxAssignDepth {
		return fail(p, "value nested deeper than %d levels", MaxAssignDepth)
	}
	t := v.Type()
	if t.Kind() == reflect.Interface {
		if src == nil {
			v.SetZero()
			return nil
		}
		sv := reflect.ValueOf(src)
		if !sv.Type().AssignableTo(t) {
			return mismatch(p, src, t)
		}
		v.Set(sv)
		return nil
	}
	if src == nil {
		// None is the zero value for every kind (nil for pointers, slices
		// and maps), as encoding/json leaves a field it reads null into:
		// Python's Optional fields meet Go's value fields, and rick-msgpack
		// writes a zero Date as None. A None at the top of a value is the
		// codecs' business (a typed Get of it is ErrDecode).
		v.SetZero()
		return nil
	}
	if t.Kind() == reflect.Pointer {
		if err := a.charge(p, allocSize(t.Elem().Size())); err != nil {
			return err
		}
		nv := reflect.New(t.Elem())
		if err := a.assign(nv.Elem(), src, p, depth+1); err != nil {
			return err
		}
		v.Set(nv)
		return nil
	}
	// Identical types: store directly ([]byte is copied).
	if reflect.TypeOf(src) == t {
		if b, ok := src.([]byte); ok {
			if err := a.charge(p, allocSize(uintptr(len(b)))); err != nil {
				return err
			}
			v.SetBytes(append([]byte{}, b...))
			return nil
		}
		v.Set(reflect.ValueOf(src))
		return nil
	}
	switch t {
	case timeType:
		return assignTime(v, src, p, t)
	case dateType:
		return assignDate(v, src, p, t)
	case decimalType:
		return assignDecimal(v, src, p, t)
	case uuidType:
		return assignUUID(v, src, p, t)
	case bigIntType:
		return assignBigInt(v, src, p, t)
	}
	if done, err := assignText(v, src, p, t); done {
		return err
	}
	switch t.Kind() {
	case reflect.Bool:
		b, ok := src.(bool)
		if !ok {
			return mismatch(p, src, t)
		}
		v.SetBool(b)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return assignInt(v, src, p, t)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return assignUint(v, src, p, t)
	case reflect.Float32, reflect.Float64:
		return assignFloat(v, src, p, t)
	case reflect.String:
		switch s := src.(type) {
		case string:
			v.SetString(s)
		case []byte:
			if err := a.charge(p, allocSize(uintptr(len(s)))); err != nil {
				return err
			}
			v.SetString(string(s))
		default:
			return mismatch(p, src, t)
		}
		return nil
	case reflect.Slice:
		return a.assignSlice(v, src, p, t, depth)
	case reflect.Array:
		return a.assignArray(v, src, p, t, depth)
	case reflect.Map:
		return a.assignMap(v, src, p, t, depth)
	case reflect.Struct:
		return a.assignStruct(v, src, p, t, depth)
	}
	return fail(p, "unsupported destination type %s", t)
}

// MaxBigDigits bounds the text of a number assigned to big.Int, big.Float
// or big.Rat: Python's own int/str limit (sys.int_info.default_max_str_digits).
const MaxBigDigits = 4300

func isBig(t reflect.Type) bool {
	return t == bigIntType || t == reflect.TypeFor[big.Float]() || t == reflect.TypeFor[big.Rat]()
}

func textLen(src any) int {
	switch s := src.(type) {
	case string:
		return len(s)
	case []byte:
		return len(s)
	}
	return 0
}

// assignText fills types implementing encoding.TextUnmarshaler from a string
// (or from bytes, unless the destination is itself a byte slice).
func assignText(v reflect.Value, src any, p *pathElem, t reflect.Type) (bool, error) {
	if b, ok := src.([]byte); ok && t.Kind() != reflect.Slice && v.CanAddr() && reflect.PointerTo(t).Implements(binaryUnmarshalerType) {
		if err := v.Addr().Interface().(encoding.BinaryUnmarshaler).UnmarshalBinary(b); err != nil {
			return true, fail(p, "cannot assign bytes to %s: %v", t, err)
		}
		return true, nil
	}
	if !reflect.PointerTo(t).Implements(textUnmarshalerType) || !v.CanAddr() {
		return false, nil
	}
	var text []byte
	if isBig(t) {
		if n := textLen(src); n > MaxBigDigits+8 {
			// math/big parses in superlinear time: 2 M digits cost seconds.
			return true, fail(p, "a number of %d characters for %s exceeds the limit of %d digits", n, t, MaxBigDigits)
		}
	}
	switch s := src.(type) {
	case string:
		text = []byte(s)
	case []byte:
		if t.Kind() == reflect.Slice {
			return false, nil
		}
		text = s
	default:
		return false, nil
	}
	if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(text); err != nil {
		return true, fail(p, "cannot assign %s to %s: %v", srcName(src), t, err)
	}
	return true, nil
}

func assignTime(v reflect.Value, src any, p *pathElem, t reflect.Type) error {
	switch s := src.(type) {
	case Date:
		v.Set(reflect.ValueOf(s.Time()))
	case string:
		tm, err := ParseISO(s)
		if err != nil {
			return fail(p, "cannot assign string to %s: %v", t, err)
		}
		v.Set(reflect.ValueOf(tm))
	default:
		return mismatch(p, src, t)
	}
	return nil
}

func assignDate(v reflect.Value, src any, p *pathElem, t reflect.Type) error {
	s, ok := src.(string)
	if !ok {
		return mismatch(p, src, t)
	}
	d, err := ParseDate(s)
	if err != nil {
		return fail(p, "cannot assign string to %s: %v", t, err)
	}
	v.Set(reflect.ValueOf(d))
	return nil
}

func assignDecimal(v reflect.Value, src any, p *pathElem, t reflect.Type) error {
	var text string
	switch s := src.(type) {
	case string:
		text = s
	case int64:
		text = strconv.FormatInt(s, 10)
	case uint64:
		text = strconv.FormatUint(s, 10)
	case *big.Int:
		text = s.String()
	case float64:
		switch {
		case math.IsNaN(s):
			text = "NaN"
		case math.IsInf(s, 1):
			text = "Infinity"
		case math.IsInf(s, -1):
			text = "-Infinity"
		default:
			text = strconv.FormatFloat(s, 'g', -1, 64)
		}
	default:
		return mismatch(p, src, t)
	}
	d, err := ParseDecimal(text)
	if err != nil {
		return fail(p, "cannot assign %s to %s: %v", srcName(src), t, err)
	}
	v.Set(reflect.ValueOf(d))
	return nil
}

func assignUUID(v reflect.Value, src any, p *pathElem, t reflect.Type) error {
	var (
		u   uuid.UUID
		err error
	)
	switch s := src.(type) {
	case string:
		u, err = uuid.Parse(s)
	case []byte:
		if len(s) != 16 {
			return fail(p, "cannot assign %d bytes to %s: want 16", len(s), t)
		}
		u, err = uuid.FromBytes(s)
	default:
		return mismatch(p, src, t)
	}
	if err != nil {
		return fail(p, "cannot assign %s to %s: %v", srcName(src), t, err)
	}
	v.Set(reflect.ValueOf(u))
	return nil
}

func assignBigInt(v reflect.Value, src any, p *pathElem, t reflect.Type) error {
	var n big.Int
	switch s := src.(type) {
	case int64:
		n.SetInt64(s)
	case uint64:
		n.SetUint64(s)
	case *big.Int:
		if s == nil {
			return mismatch(p, src, t)
		}
		n.Set(s)
	case float64:
		if math.IsNaN(s) || math.IsInf(s, 0) || s != math.Trunc(s) {
			return fail(p, "value %v is not an integer (%s)", s, t)
		}
		new(big.Float).SetFloat64(s).Int(&n)
	default:
		return mismatch(p, src, t)
	}
	v.Set(reflect.ValueOf(n))
	return nil
}

// intOf returns src as an integer: (value, negative-beyond-int64/positive
// beyond-uint64 handled by the caller through big).
func intOf(src any) (*big.Int, bool, error) {
	switch s := src.(type) {
	case int64:
		return big.NewInt(s), true, nil
	case uint64:
		return new(big.Int).SetUint64(s), true, nil
	case *big.Int:
		if s == nil {
			return nil, false, nil
		}
		return s, true, nil
	case float64:
		if math.IsNaN(s) || math.IsInf(s, 0) || s != math.Trunc(s) {
			return nil, true, fmt.Errorf("value %v is not an integer", s)
		}
		n, _ := new(big.Float).SetFloat64(s).Int(nil)
		return n, true, nil
	}
	return nil, false, nil
}

func assignInt(v reflect.Value, src any, p *pathElem, t reflect.Type) error {
	if s, ok := src.(int64); ok { // fast path
		if v.OverflowInt(s) {
			return fail(p, "value %d overflows %s", s, t)
		}
		v.SetInt(s)
		return nil
	}
	n, ok, err := intOf(src)
	if !ok {
		return mismatch(p, src, t)
	}
	if err != nil {
		return fail(p, "%v (%s)", err, t)
	}
	if !n.IsInt64() || v.OverflowInt(n.Int64()) {
		return fail(p, "value %s overflows %s", n, t)
	}
	v.SetInt(n.Int64())
	return nil
}

func assignUint(v reflect.Value, src any, p *pathElem, t reflect.Type) error {
	if s, ok := src.(int64); ok && s >= 0 { // fast path
		if v.OverflowUint(uint64(s)) {
			return fail(p, "value %d overflows %s", s, t)
		}
		v.SetUint(uint64(s))
		return nil
	}
	n, ok, err := intOf(src)
	if !ok {
		return mismatch(p, src, t)
	}
	if err != nil {
		return fail(p, "%v (%s)", err, t)
	}
	if !n.IsUint64() || v.OverflowUint(n.Uint64()) {
		return fail(p, "value %s overflows %s", n, t)
	}
	v.SetUint(n.Uint64())
	return nil
}

func assignFloat(v reflect.Value, src any, p *pathElem, t reflect.Type) error {
	var f float64
	switch s := src.(type) {
	case float64:
		f = s
	case int64:
		f = float64(s)
	case uint64:
		f = float64(s)
	case *big.Int:
		if s == nil {
			return mismatch(p, src, t)
		}
		f, _ = new(big.Float).SetInt(s).Float64()
		if math.IsInf(f, 0) {
			return fail(p, "value %s overflows %s", s, t)
		}
	default:
		return mismatch(p, src, t)
	}
	if !math.IsInf(f, 0) && !math.IsNaN(f) && v.OverflowFloat(f) {
		return fail(p, "value %v overflows %s", f, t)
	}
	v.SetFloat(f)
	return nil
}

func (a *assigner) assignSlice(v reflect.Value, src any, p *pathElem, t reflect.Type, depth int) error {
	if t.Elem().Kind() == reflect.Uint8 {
		var b []byte
		switch s := src.(type) {
		case []byte:
			if err := a.charge(p, 2*allocSize(uintptr(len(s)))); err != nil {
				return err
			}
			b = append([]byte{}, s...)
		case string:
			if err := a.charge(p, 2*allocSize(uintptr(len(s)))); err != nil {
				return err
			}
			b = []byte(s)
		}
		if b != nil {
			v.Set(reflect.ValueOf(b).Convert(t))
			return nil
		}
	}
	list, ok := src.([]any)
	if !ok {
		return mismatch(p, src, t)
	}
	if err := a.charge(p, allocSize(uintptr(len(list))*t.Elem().Size())+int64(len(list))*pathCost); err != nil {
		return err
	}
	out := reflect.MakeSlice(t, len(list), len(list))
	for i, item := range list {
		if err := a.assign(out.Index(i), item, &pathElem{parent: p, kind: 'i', index: i}, depth+1); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

func (a *assigner) assignArray(v reflect.Value, src any, p *pathElem, t reflect.Type, depth int) error {
	if t.Elem().Kind() == reflect.Uint8 {
		var b []byte
		switch s := src.(type) {
		case []byte:
			b = s
		case string:
			b = []byte(s)
		}
		if b != nil {
			if len(b) != t.Len() {
				return fail(p, "cannot assign %d bytes to %s", len(b), t)
			}
			reflect.Copy(v, reflect.ValueOf(b))
			return nil
		}
	}
	list, ok := src.([]any)
	if !ok {
		return mismatch(p, src, t)
	}
	if len(list) != t.Len() {
		return fail(p, "cannot assign list of length %d to %s", len(list), t)
	}
	if err := a.charge(p, allocSize(t.Size())+int64(len(list))*pathCost); err != nil {
		return err
	}
	out := reflect.New(t).Elem()
	for i, item := range list {
		if err := a.assign(out.Index(i), item, &pathElem{parent: p, kind: 'i', index: i}, depth+1); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

func (a *assigner) assignMap(v reflect.Value, src any, p *pathElem, t reflect.Type, depth int) error {
	var n int
	switch m := src.(type) {
	case map[string]any:
		n = len(m)
	case map[any]any:
		n = len(m)
	default:
		return mismatch(p, src, t)
	}
	kt, et := t.Key(), t.Elem()
	if err := a.charge(p, 128+int64(n)*(4*int64(kt.Size()+et.Size())+64+pathCost)); err != nil {
		return err
	}
	out := reflect.MakeMapWithSize(t, n)
	put := func(k, val any) error {
		kp := &pathElem{parent: p, kind: 'k', key: k}
		kv := reflect.New(kt).Elem()
		if err := a.assignKey(kv, k, kp, depth+1); err != nil {
			return err
		}
		ev := reflect.New(et).Elem()
		if err := a.assign(ev, val, kp, depth+1); err != nil {
			return err
		}
		out.SetMapIndex(kv, ev)
		return nil
	}
	switch m := src.(type) {
	case map[string]any:
		for k, val := range m {
			if err := put(k, val); err != nil {
				return err
			}
		}
	case map[any]any:
		for k, val := range m {
			if err := put(k, val); err != nil {
				return err
			}
		}
	}
	v.Set(out)
	return nil
}

// assignKey is assign plus what JSON objects need: a string key can fill an
// integer or float key type.
func (a *assigner) assignKey(kv reflect.Value, k any, p *pathElem, depth int) error {
	err := a.assign(kv, k, p, depth)
	if err == nil {
		return nil
	}
	s, ok := k.(string)
	if !ok {
		return err
	}
	switch kv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || kv.OverflowInt(n) {
			return fail(p, "map key %q is not a valid %s", s, kv.Type())
		}
		kv.SetInt(n)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, perr := strconv.ParseUint(s, 10, 64)
		if perr != nil || kv.OverflowUint(n) {
			return fail(p, "map key %q is not a valid %s", s, kv.Type())
		}
		kv.SetUint(n)
		return nil
	case reflect.Float32, reflect.Float64:
		f, perr := strconv.ParseFloat(s, 64)
		if perr != nil || kv.OverflowFloat(f) {
			return fail(p, "map key %q is not a valid %s", s, kv.Type())
		}
		kv.SetFloat(f)
		return nil
	}
	return err
}

func (a *assigner) assignStruct(v reflect.Value, src any, p *pathElem, t reflect.Type, depth int) error {
	info := structInfoOf(t)
	var n int
	switch m := src.(type) {
	case map[string]any:
		n = len(m)
	case map[any]any:
		n = 3 * len(m)
	}
	if err := a.charge(p, 64+int64(n)*(32+pathCost)); err != nil {
		return err
	}
	set := func(key string, val any) error {
		f := info.lookup(key)
		if f == nil {
			return nil // unknown keys are ignored
		}
		fp := &pathElem{parent: p, kind: 'f', name: f.Name}
		fv, err := fieldByIndexAlloc(v, f.Index)
		if err != nil {
			return fail(fp, "%v", err)
		}
		return a.assign(fv, val, fp, depth+1)
	}
	switch m := src.(type) {
	case map[string]any:
		for _, k := range sortedKeys(m) {
			if err := set(k, m[k]); err != nil {
				return err
			}
		}
	case map[any]any:
		keys := make([]string, 0, len(m))
		vals := make(map[string]any, len(m))
		for k, val := range m {
			var ks string
			switch kk := k.(type) {
			case string:
				ks = kk
			case []byte:
				ks = string(kk)
			default:
				return fail(p, "cannot assign dict with %s key %v to %s", srcName(k), k, t)
			}
			keys = append(keys, ks)
			vals[ks] = val
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := set(k, vals[k]); err != nil {
				return err
			}
		}
	default:
		return mismatch(p, src, t)
	}
	return nil
}

// sortedKeys makes error reports deterministic when several keys are bad.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fieldByIndexAlloc is FieldByIndex that allocates nil embedded pointers.
func fieldByIndexAlloc(v reflect.Value, index []int) (reflect.Value, error) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				if !v.CanSet() {
					return reflect.Value{}, fmt.Errorf("cannot allocate embedded pointer to unexported struct %s", v.Type().Elem())
				}
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, nil
}

// StructField is one field of a struct as Assign fills it and the encoders
// write it: exported fields and the promoted fields of embedded structs,
// minus those tagged `cache:"-"`.
type StructField struct {
	Name  string // Go field name
	Index []int  // for reflect.Value.FieldByIndex (may pass through embedded pointers)
	Type  reflect.Type
	Tag   reflect.StructTag
}

// TagName returns the name given to the field by the struct tag key (the part
// before the first comma), or "" when there is none or it is "-".
func (f *StructField) TagName(key string) string {
	name, _, _ := strings.Cut(f.Tag.Get(key), ",")
	if name == "-" {
		return ""
	}
	return name
}

type structInfo struct {
	fields []StructField
	exact  map[string]int
	folded map[string]int
}

func (s *structInfo) lookup(key string) *StructField {
	if i, ok := s.exact[key]; ok {
		return &s.fields[i]
	}
	if i, ok := s.folded[strings.ToLower(key)]; ok {
		return &s.fields[i]
	}
	return nil
}

var structCache sync.Map // reflect.Type -> *structInfo

// StructFields returns the fields of struct type t in declaration order
// (promoted fields at the position of their embedded struct).
func StructFields(t reflect.Type) []StructField {
	return structInfoOf(t).fields
}

// assignTags are the struct tag keys whose names Assign matches.
var assignTags = []string{"pickle", "json", "msgpack"}

func structInfoOf(t reflect.Type) *structInfo {
	if v, ok := structCache.Load(t); ok {
		return v.(*structInfo)
	}
	type cand struct {
		f     StructField
		depth int
		order int
	}
	var cands []cand
	var walk func(t reflect.Type, index []int, depth int, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, index []int, depth int, seen map[reflect.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := 0; i < t.NumField(); i++ {
			sf := t.Field(i)
			if sf.Tag.Get("cache") == "-" {
				continue
			}
			idx := append(append([]int{}, index...), i)
			if sf.Anonymous {
				ft := sf.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && !isSpecialStruct(ft) && !hasTagName(sf) {
					walk(ft, idx, depth+1, seen)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			cands = append(cands, cand{
				f:     StructField{Name: sf.Name, Index: idx, Type: sf.Type, Tag: sf.Tag},
				depth: depth,
				order: len(cands),
			})
		}
	}
	walk(t, nil, 0, map[reflect.Type]bool{})
	// A shallower field hides a deeper one of the same name.
	byDepth := append([]cand{}, cands...)
	sort.SliceStable(byDepth, func(i, j int) bool { return byDepth[i].depth < byDepth[j].depth })
	keep := map[int]bool{}
	seenName := map[string]bool{}
	for _, c := range byDepth {
		if seenName[c.f.Name] {
			continue
		}
		seenName[c.f.Name] = true
		keep[c.order] = true
	}
	info := &structInfo{exact: map[string]int{}, folded: map[string]int{}}
	for _, c := range cands {
		if keep[c.order] {
			info.fields = append(info.fields, c.f)
		}
	}
	// Priority: tag names, then Go names; exact before case-insensitive.
	for i := range info.fields {
		f := &info.fields[i]
		for _, key := range assignTags {
			if n := f.TagName(key); n != "" {
				if _, ok := info.exact[n]; !ok {
					info.exact[n] = i
				}
				if _, ok := info.folded[strings.ToLower(n)]; !ok {
					info.folded[strings.ToLower(n)] = i
				}
			}
		}
	}
	for i := range info.fields {
		n := info.fields[i].Name
		if _, ok := info.exact[n]; !ok {
			info.exact[n] = i
		}
		if _, ok := info.folded[strings.ToLower(n)]; !ok {
			info.folded[strings.ToLower(n)] = i
		}
	}
	v, _ := structCache.LoadOrStore(t, info)
	return v.(*structInfo)
}

func isSpecialStruct(t reflect.Type) bool {
	return t == timeType || t == dateType || t == decimalType || t == bigIntType
}

func hasTagName(sf reflect.StructField) bool {
	for _, key := range assignTags {
		name, _, _ := strings.Cut(sf.Tag.Get(key), ",")
		if name != "" && name != "-" {
			return true
		}
	}
	return false
}

package codec

import (
	"cmp"
	"encoding"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
	"github.com/google/uuid"
	"github.com/vmihailenco/msgpack/v5"
)

// rick's msgpack extension type codes (rick.serializer.msgpack).
const (
	extDate      = 1
	extDatetime  = 2
	extDecimal   = 3
	extUUID      = 4
	extDataclass = 5
	extMemview   = 6
	extObject    = 7
	extTimestamp = -1 // msgpack's own timestamp
)

type rickCodec struct{}

// RickMsgpack returns the codec that is byte-identical to rick's msgpack
// packb and decodes what rick writes (see the package doc for the mapping).
func RickMsgpack() Codec { return rickCodec{} }

func (rickCodec) Name() string { return "rick-msgpack" }

var rickEncPool = sync.Pool{New: func() any {
	st := &mpEncState{}
	st.enc = msgpack.NewEncoder(&st.w)
	return st
}}

func (rickCodec) Marshal(v any) (out []byte, err error) {
	defer recoverTo("rick-msgpack", "Marshal", &err)
	st := rickEncPool.Get().(*mpEncState)
	st.w.b = st.w.b[:0]
	re := rickEncoder{e: st.enc, w: &st.w}
	err = re.encode(v, 0)
	if err == nil {
		out = make([]byte, len(st.w.b))
		copy(out, st.w.b)
	}
	if cap(st.w.b) > maxPooledBuf {
		st.w.b = nil
	}
	rickEncPool.Put(st)
	if err != nil {
		return nil, fmt.Errorf("rick-msgpack: encode %T: %w", v, err)
	}
	return out, nil
}

// rickEncoder writes rick's packb format through vmihailenco's low-level
// Encoder methods, which already pick msgpack's smallest forms the way
// Python's msgpack does (EncodeInt uses the unsigned forms for
// non-negative values, EncodeString uses str8 from 32 bytes, ext headers use
// fixext for payloads of exactly 1, 2, 4, 8 or 16 bytes). Payloads are
// appended to w directly: the Encoder does not buffer.
type rickEncoder struct {
	e *msgpack.Encoder
	w *mpWriter
}

// encode handles the common dynamic types without reflection.
func (re rickEncoder) encode(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		return re.e.EncodeNil()
	case bool:
		return re.e.EncodeBool(x)
	case int:
		return re.e.EncodeInt(int64(x))
	case int64:
		return re.e.EncodeInt(x)
	case uint64:
		return re.e.EncodeUint(x)
	case float64:
		return re.float(x)
	case string:
		return re.str(x)
	case []byte:
		return re.e.EncodeBytes(x) // nil → nil
	case time.Time:
		return re.time(x)
	case pyval.Date:
		return re.date(x)
	case pyval.Decimal:
		return re.ext(extDecimal, x.String())
	case uuid.UUID:
		return re.uuid(x)
	case []any:
		if x == nil {
			return re.e.EncodeNil()
		}
		if depth >= MaxDepth {
			return errTooDeep
		}
		if err := re.e.EncodeArrayLen(len(x)); err != nil {
			return err
		}
		for _, el := range x {
			if err := re.encode(el, depth+1); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if x == nil {
			return re.e.EncodeNil()
		}
		if depth >= MaxDepth {
			return errTooDeep
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if err := re.e.EncodeMapLen(len(x)); err != nil {
			return err
		}
		for _, k := range keys {
			if err := re.str(k); err != nil {
				return err
			}
			if err := re.encode(x[k], depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Struct || k == reflect.Array {
		// Make it addressable, so fields with pointer-receiver
		// MarshalText methods are found as they would be through a pointer.
		p := reflect.New(rv.Type()).Elem()
		p.Set(rv)
		rv = p
	}
	return re.value(rv, depth)
}

var errTooDeep = fmt.Errorf("value nests deeper than %d (a cycle?)", MaxDepth)

// float writes float64 (cb) as Python does for every float; NaN is written
// with the bits of Python's float('nan'), so equal values give equal bytes.
func (re rickEncoder) float(f float64) error {
	if f != f {
		f = math.Float64frombits(0x7ff8000000000000)
	}
	return re.e.EncodeFloat64(f)
}

func (re rickEncoder) str(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("string %.40q is not valid UTF-8 (Python could not read it as str)", s)
	}
	return re.e.EncodeString(s)
}

func (re rickEncoder) ext(code int8, payload string) error {
	if err := re.e.EncodeExtHeader(code, len(payload)); err != nil {
		return err
	}
	re.w.b = append(re.w.b, payload...)
	return nil
}

func (re rickEncoder) time(t time.Time) error {
	// The payload length is needed for the header first: format into the
	// scratch array (32 bytes always suffice) and copy.
	var buf [40]byte
	p, err := appendPyISO(buf[:0], t)
	if err != nil {
		return err
	}
	if err := re.e.EncodeExtHeader(extDatetime, len(p)); err != nil {
		return err
	}
	re.w.b = append(re.w.b, p...)
	return nil
}

// date writes ext 1; the zero Date (never a real date) is written as None
// so that an unset Date field survives a round trip.
func (re rickEncoder) date(d pyval.Date) error {
	if d.IsZero() {
		return re.e.EncodeNil()
	}
	if !validDate(d) {
		return fmt.Errorf("date %d-%d-%d is not a valid Python date", d.Year, int(d.Month), d.Day)
	}
	if err := re.e.EncodeExtHeader(extDate, 10); err != nil {
		return err
	}
	re.w.b = appendISODate(re.w.b, d.Year, d.Month, d.Day)
	return nil
}

func (re rickEncoder) uuid(u uuid.UUID) error {
	if err := re.e.EncodeExtHeader(extUUID, 16); err != nil {
		return err
	}
	re.w.b = append(re.w.b, u[:]...)
	return nil
}

func (re rickEncoder) value(rv reflect.Value, depth int) error {
	if !rv.IsValid() {
		return re.e.EncodeNil()
	}
	if depth > MaxDepth {
		return errTooDeep
	}
	t := rv.Type()
	switch t {
	case timeType, dateType, decimalType, uuidType:
		x, _ := reflect.TypeAssert[any](rv)
		return re.encode(x, depth)
	case bigIntPtrType:
		if rv.IsNil() {
			return re.e.EncodeNil()
		}
		return re.bigInt(rv.Interface().(*big.Int))
	case bigIntPtrType.Elem():
		if rv.CanAddr() {
			return re.bigInt(rv.Addr().Interface().(*big.Int))
		}
	}
	// Pointers first: *time.Time implements TextMarshaler through its
	// value method, and must still be written as a datetime.
	if rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return re.e.EncodeNil()
		}
		return re.value(rv.Elem(), depth+1)
	}
	if t.Implements(textMarshalerType) {
		return re.text(rv.Interface().(encoding.TextMarshaler))
	}
	if rv.CanAddr() && reflect.PointerTo(t).Implements(textMarshalerType) {
		return re.text(rv.Addr().Interface().(encoding.TextMarshaler))
	}
	switch rv.Kind() {
	case reflect.Bool:
		return re.e.EncodeBool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return re.e.EncodeInt(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return re.e.EncodeUint(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return re.float(rv.Float())
	case reflect.String:
		return re.str(rv.String())
	case reflect.Slice:
		if rv.IsNil() {
			return re.e.EncodeNil()
		}
		if t.Elem().Kind() == reflect.Uint8 {
			return re.e.EncodeBytes(rv.Bytes())
		}
		return re.array(rv, depth)
	case reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			if err := re.e.EncodeBytesLen(rv.Len()); err != nil {
				return err
			}
			for i := 0; i < rv.Len(); i++ {
				re.w.b = append(re.w.b, byte(rv.Index(i).Uint()))
			}
			return nil
		}
		return re.array(rv, depth)
	case reflect.Map:
		if rv.IsNil() {
			return re.e.EncodeNil()
		}
		return re.mapValue(rv, depth)
	case reflect.Struct:
		return re.structValue(rv, depth)
	}
	return fmt.Errorf("cannot encode %s (rick's packb raises TypeError: Unknown type)", t)
}

// bigInt writes an integer Python could have packed: within
// [-2^63, 2^64-1]; beyond that rick's packb raises TypeError too.
func (re rickEncoder) bigInt(n *big.Int) error {
	switch {
	case n.IsInt64():
		return re.e.EncodeInt(n.Int64())
	case n.IsUint64():
		return re.e.EncodeUint(n.Uint64())
	}
	return fmt.Errorf("integer %s is outside msgpack's range [-2^63, 2^64-1] (rick raises TypeError: Unknown type)", n)
}

func (re rickEncoder) text(m encoding.TextMarshaler) error {
	b, err := m.MarshalText()
	if err != nil {
		return err
	}
	return re.str(string(b))
}

func (re rickEncoder) array(rv reflect.Value, depth int) error {
	if err := re.e.EncodeArrayLen(rv.Len()); err != nil {
		return err
	}
	for i := 0; i < rv.Len(); i++ {
		if err := re.value(rv.Index(i), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// mapValue writes a map with its keys sorted when they are strings, numbers
// or bools (the usual case), so equal maps give equal bytes; Python dicts
// keep insertion order, which a Go map does not have.
func (re rickEncoder) mapValue(rv reflect.Value, depth int) error {
	keys := rv.MapKeys()
	slices.SortStableFunc(keys, compareKeys)
	if err := re.e.EncodeMapLen(len(keys)); err != nil {
		return err
	}
	for _, k := range keys {
		if err := re.value(k, depth+1); err != nil {
			return err
		}
		if err := re.value(rv.MapIndex(k), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// compareKeys orders map keys of basic kinds and of the mapping's value
// types (through interfaces too); keys of other kinds compare equal and keep
// their order.
func compareKeys(a, b reflect.Value) int {
	for a.Kind() == reflect.Interface && !a.IsNil() {
		a = a.Elem()
	}
	for b.Kind() == reflect.Interface && !b.IsNil() {
		b = b.Elem()
	}
	ra, rb := keyRank(a), keyRank(b)
	if ra != rb || ra == 0 {
		return cmp.Compare(ra, rb)
	}
	if ra == 6 { // datetime, date, Decimal, UUID keys: by type, then text
		if c := cmp.Compare(a.Type().String(), b.Type().String()); c != 0 {
			return c
		}
		return cmp.Compare(fmt.Sprint(a.Interface()), fmt.Sprint(b.Interface()))
	}
	switch ra {
	case 1:
		return cmp.Compare(a.String(), b.String())
	case 2:
		return cmp.Compare(a.Int(), b.Int())
	case 3:
		return cmp.Compare(a.Uint(), b.Uint())
	case 4:
		return cmp.Compare(a.Float(), b.Float())
	case 5:
		return cmp.Compare(b2i(a.Bool()), b2i(b.Bool()))
	}
	return 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func keyRank(v reflect.Value) int {
	switch v.Kind() {
	case reflect.String:
		return 1
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return 2
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return 3
	case reflect.Float32, reflect.Float64:
		return 4
	case reflect.Bool:
		return 5
	}
	if v.IsValid() && isSpecial(v.Type()) && v.CanInterface() {
		return 6
	}
	return 0
}

func (re rickEncoder) structValue(rv reflect.Value, depth int) error {
	si := getStructInfo(rv.Type())
	n := 0
	for i := range si.fields {
		if !si.fields[i].omitEmpty || !isEmpty(rv.FieldByIndex(si.fields[i].index)) {
			n++
		}
	}
	if err := re.e.EncodeMapLen(n); err != nil {
		return err
	}
	for i := range si.fields {
		f := &si.fields[i]
		fv := rv.FieldByIndex(f.index)
		if f.omitEmpty && isEmpty(fv) {
			continue
		}
		if err := re.str(f.name); err != nil {
			return err
		}
		if err := re.value(fv, depth+1); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	return nil
}

// isEmpty is omitempty's notion of empty: the zero value, or a slice or map
// of length 0.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return v.IsZero()
}

// ---- decoding ----

var rickDecPool = sync.Pool{New: func() any {
	st := &mpDecState{}
	st.dec = msgpack.NewDecoder(&st.r)
	return st
}}

func (rickCodec) Unmarshal(data []byte, v any) (err error) {
	defer recoverTo("rick-msgpack", "Unmarshal", &err)
	rv, err := checkDst("rick-msgpack", v)
	if err != nil {
		return err
	}
	st := rickDecPool.Get().(*mpDecState)
	if err := checkMsgpack(data, MaxDepth, &st.r.extStarts); err != nil {
		st.r.reset()
		rickDecPool.Put(st)
		return fmt.Errorf("rick-msgpack: %w", err)
	}
	st.r.b, st.r.i = data, 0
	rd := rickDecoder{d: st.dec, r: &st.r, left: DecodeLimit(len(data))}
	val, err := rd.value()
	if err == nil && st.r.i != len(data) {
		err = fmt.Errorf("%d trailing bytes", len(data)-st.r.i)
	}
	st.r.reset()
	rickDecPool.Put(st)
	if err != nil {
		return fmt.Errorf("rick-msgpack: %w", err)
	}
	if p, ok := v.(*any); ok {
		*p = val
		return nil
	}
	if val == nil && rv.Elem().Kind() != reflect.Interface {
		// As pickle: a stored None is no value of a concrete type.
		return fmt.Errorf("rick-msgpack: cannot decode None into %s", rv.Elem().Type())
	}
	// The one assigner of decoded Python values, shared with pickle
	// (pyval.Assign: its rules for None, struct tags and cache:"-"), with
	// what the decoding left of the budget.
	if err := pyval.AssignLimited(v, val, rd.left); err != nil {
		return fmt.Errorf("rick-msgpack: decode into %T: %w", v, err)
	}
	return nil
}

// rickDecoder reads one value into the Python ↔ Go mapping, using
// vmihailenco's primitives. The input has passed CheckMsgpack, so every
// length is bounded by the input and recursion by MaxDepth; left is what it
// may still allocate (DecodeLimit), charged before each allocation: a
// million 1-byte empty maps would otherwise cost ~100× their size.
type rickDecoder struct {
	d    *msgpack.Decoder
	r    *mpReader
	left int64
}

func (rd *rickDecoder) charge(n int64) error {
	rd.left -= n
	if rd.left < 0 {
		return fmt.Errorf("%w (%d input bytes)", ErrBudget, len(rd.r.b))
	}
	return nil
}

func (rd *rickDecoder) value() (any, error) {
	c, err := rd.d.PeekCode()
	if err != nil {
		return nil, err
	}
	// Every value is boxed in an interface (or a slice/map slot, charged
	// by its container): 16 bytes covers the box.
	if err := rd.charge(16); err != nil {
		return nil, err
	}
	switch {
	case c <= 0x7f || c >= 0xe0 || (c >= 0xcc && c <= 0xce) || (c >= 0xd0 && c <= 0xd3):
		return rd.d.DecodeInt64()
	case c == 0xcf:
		u, err := rd.d.DecodeUint64()
		if err != nil {
			return nil, err
		}
		if u <= math.MaxInt64 {
			return int64(u), nil
		}
		return u, nil
	case c <= 0x8f || c == 0xde || c == 0xdf:
		return rd.mapValue()
	case c <= 0x9f || c == 0xdc || c == 0xdd:
		n, err := rd.d.DecodeArrayLen()
		if err != nil {
			return nil, err
		}
		if err := rd.charge(allocSize(16 * uintptr(max(n, 0)))); err != nil {
			return nil, err
		}
		a := make([]any, n)
		for i := range a {
			if a[i], err = rd.value(); err != nil {
				return nil, err
			}
		}
		return a, nil
	case c <= 0xbf || (c >= 0xd9 && c <= 0xdb):
		s, err := rd.str()
		if err != nil {
			return nil, err
		}
		return s, nil
	case c == 0xc0:
		return nil, rd.d.DecodeNil()
	case c == 0xc2 || c == 0xc3:
		return rd.d.DecodeBool()
	case c == 0xca || c == 0xcb:
		return rd.d.DecodeFloat64()
	case c >= 0xc4 && c <= 0xc6:
		n, err := rd.d.DecodeBytesLen()
		if err != nil {
			return nil, err
		}
		if err := rd.charge(2 * allocSize(uintptr(max(n, 0)))); err != nil {
			return nil, err
		}
		p, err := rd.r.next(max(n, 0))
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		return append([]byte{}, p...), nil
	case (c >= 0xc7 && c <= 0xc9) || (c >= 0xd4 && c <= 0xd8):
		return rd.ext()
	}
	return nil, fmt.Errorf("invalid msgpack code 0x%02x", c)
}

// str reads a str (valid UTF-8, as Python requires) without vmihailenco's
// read buffer: one copy, into the string.
func (rd *rickDecoder) str() (string, error) {
	n, err := rd.d.DecodeBytesLen()
	if err != nil {
		return "", err
	}
	if err := rd.charge(allocSize(uintptr(max(n, 0)))); err != nil {
		return "", err
	}
	p, err := rd.r.next(max(n, 0))
	if err != nil {
		return "", err
	}
	if !utf8.Valid(p) {
		return "", fmt.Errorf("str %.40q is not valid UTF-8", p)
	}
	return string(p), nil
}

func (rd *rickDecoder) mapValue() (any, error) {
	n, err := rd.d.DecodeMapLen()
	if err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, nil
	}
	// One map, sized once: a Go map costs about 100 bytes an entry with
	// its keys. The key type is decided by the first key (str or bytes:
	// map[string]any); a later non-string key moves the entries to a
	// map[any]any, charged again.
	if err := rd.charge(64 + 112*int64(n)); err != nil {
		return nil, err
	}
	var m map[string]any
	var mm map[any]any
	for i := 0; i < n; i++ {
		k, err := rd.value()
		if err != nil {
			return nil, err
		}
		if b, ok := k.([]byte); ok {
			k = string(b) // Python gives bytes; the mapping gives a string key
		}
		v, err := rd.value()
		if err != nil {
			return nil, err
		}
		ks, isStr := k.(string)
		if mm == nil && isStr {
			if m == nil {
				m = make(map[string]any, n)
			}
			m[ks] = v
			continue
		}
		if mm == nil {
			if err := rd.charge(64 + 112*int64(n)); err != nil {
				return nil, err
			}
			mm = make(map[any]any, n)
			for ks, vs := range m {
				mm[ks] = vs
			}
			m = nil
		}
		switch k.(type) {
		case []any, map[string]any, map[any]any:
			return nil, fmt.Errorf("unhashable map key of type %T", k)
		}
		mm[k] = v
	}
	if mm != nil {
		return mm, nil
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

func (rd *rickDecoder) ext() (any, error) {
	code, n, err := rd.d.DecodeExtHeader()
	if err != nil {
		return nil, err
	}
	p, err := rd.r.next(n)
	if err != nil {
		return nil, err
	}
	// Decimal, date and datetime payloads become text (a copy), and
	// Decimal's is validated: linear in the payload.
	if err := rd.charge(2*allocSize(uintptr(n)) + 64); err != nil {
		return nil, err
	}
	switch code {
	case extDate:
		d, err := pyval.ParseDate(string(p))
		if err != nil {
			return nil, fmt.Errorf("ext 1 (date): %w", err)
		}
		return d, nil
	case extDatetime:
		t, err := pyval.ParseISO(string(p))
		if err != nil {
			return nil, fmt.Errorf("ext 2 (datetime): %w", err)
		}
		return t, nil
	case extDecimal:
		d, err := pyval.ParseDecimal(string(p))
		if err != nil {
			return nil, fmt.Errorf("ext 3 (Decimal): %w", err)
		}
		return d, nil
	case extUUID:
		if len(p) != 16 {
			return nil, fmt.Errorf("ext 4 (UUID): payload is %d bytes, want 16", len(p))
		}
		return uuid.UUID(p), nil
	case extMemview:
		if err := rd.charge(allocSize(uintptr(len(p)))); err != nil {
			return nil, err
		}
		return append([]byte{}, p...), nil
	case extTimestamp:
		sec, nsec, err := parseTimestamp(p, true)
		if err != nil {
			return nil, fmt.Errorf("ext -1 (timestamp): %w", err)
		}
		t := time.Unix(sec, nsec).UTC()
		if y := t.Year(); y < 1 || y > 9999 {
			// The encoder writes datetimes as ext 2, which Python reads
			// only in years 1..9999: what it cannot write is not accepted.
			return nil, fmt.Errorf("ext -1 (timestamp): year %d is outside Python's datetime range 1..9999", y)
		}
		return t, nil
	case extDataclass, extObject:
		return nil, fmt.Errorf("ext %d (a pickled-by-name Python class instance) is not supported: rick would import and rebuild an arbitrary class", code)
	}
	return nil, fmt.Errorf("unknown extension type code: %d", code)
}

package codec

import (
	"encoding"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// The decoding budget (see the package doc, "Bounded decoding"): decoding
// one value of n bytes allocates at most BudgetPerByte·n + BudgetBase bytes
// in total, whatever the destination type, or fails.
const (
	BudgetPerByte = 64
	BudgetBase    = 1 << 20
)

// Budget is the promise for an n-byte value, in bytes.
func Budget(n int) int64 { return BudgetPerByte*int64(n) + BudgetBase }

// DecodeLimit is the share of Budget(n) a codec's decoder may spend: the
// rest is for what surrounds it in a cache Get (the Redis reply, the crypt
// layer's base64 and plaintext buffers, the result's copy).
func DecodeLimit(n int) int64 { return 48*int64(n) + 768<<10 }

// ErrBudget is wrapped by the error of a value that decodes, but whose
// decoding would allocate more than the budget allows (a huge slice of
// structs declared by one byte per element, an integer of millions of
// digits).
var ErrBudget = errors.New("value exceeds the decoding budget")

// MaxBigDigits bounds the text of a number decoded into *big.Int,
// *big.Float or *big.Rat (and, in json, every number literal): math/big's
// parsing is superlinear, so 2 M digits would cost seconds. It is Python's
// own int/str limit (sys.int_info.default_max_str_digits), so nothing
// Python wrote is refused.
const MaxBigDigits = 4300

func overBudget(what string, cost, limit int64, n int) error {
	return fmt.Errorf("%w: %s would allocate about %d bytes, more than the %d allowed for %d input bytes", ErrBudget, what, cost, limit, n)
}

// allocSize is what an allocation of s bytes may really cost: size-class
// rounding (at most 1/8 above 32 KiB... less below) and a header.
func allocSize(s uintptr) int64 { return int64(s) + int64(s)/8 + 16 }

var (
	bigIntType        = reflect.TypeFor[big.Int]()
	bigFloatType      = reflect.TypeFor[big.Float]()
	bigRatType        = reflect.TypeFor[big.Rat]()
	textUnmarshalerT  = reflect.TypeFor[encoding.TextUnmarshaler]()
	binUnmarshalerT   = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	mpUnmarshalerT    = reflect.TypeFor[msgpack.Unmarshaler]()
	mpCustomDecoderT  = reflect.TypeFor[msgpack.CustomDecoder]()
	jsonUnmarshalerT  = reflect.TypeFor[interface{ UnmarshalJSON([]byte) error }]()
	selfDecodingCache sync.Map // reflect.Type → bool
)

func isBig(t reflect.Type) bool {
	return t == bigIntType || t == bigFloatType || t == bigRatType
}

// decodesItself reports whether t (or *t) decodes its own bytes through an
// interface method the codecs call: the cost is then the method's, assumed
// linear in its input (user code; math/big is capped separately).
func decodesItself(t reflect.Type, json bool) bool {
	if r, ok := selfDecodingCache.Load(t); ok && !json {
		return r.(bool)
	}
	p := reflect.PointerTo(t)
	r := p.Implements(textUnmarshalerT) || p.Implements(binUnmarshalerT) ||
		p.Implements(mpUnmarshalerT) || p.Implements(mpCustomDecoderT)
	if json {
		return p.Implements(textUnmarshalerT) || p.Implements(jsonUnmarshalerT)
	}
	selfDecodingCache.Store(t, r)
	return r
}

// ---- msgpack ----

// mpCost estimates, from above, what vmihailenco/msgpack allocates decoding
// data (which passed CheckMsgpack) into a value of type t, by walking the
// bytes and the type together. It allocates nothing itself. The constants
// are upper bounds of vmihailenco v5.4.1's allocations (the per-type paths
// of decode_*.go); the hostile-bytes tests measure that the bound holds.
type mpCost struct {
	data   []byte
	cost   int64
	limit  int64
	maxStr int64 // the decoder's reusable read buffer grows to the longest string
}

// msgpackCost returns nil when decoding data into t stays within limit.
func msgpackCost(data []byte, t reflect.Type, limit int64) error {
	c := mpCost{data: data, limit: limit}
	if _, err := c.value(0, t, 0); err != nil {
		return err
	}
	c.cost += 2 * c.maxStr
	if c.cost > limit {
		return overBudget("decoding into "+t.String(), c.cost, limit, len(data))
	}
	return nil
}

const (
	mpNil = iota
	mpBool
	mpInt
	mpFloat
	mpStr
	mpBin
	mpArray
	mpMap
	mpExt
)

// head decodes the header at pos (valid: the input passed CheckMsgpack):
// its kind, its length or count, and where its payload or elements start.
func (c *mpCost) head(pos int) (kind int, n int, body int) {
	b := c.data[pos]
	d := c.data
	u := func(w int) int {
		switch w {
		case 1:
			return int(d[pos+1])
		case 2:
			return int(binary.BigEndian.Uint16(d[pos+1:]))
		}
		return int(binary.BigEndian.Uint32(d[pos+1:]))
	}
	switch {
	case b <= 0x7f || b >= 0xe0:
		return mpInt, 0, pos + 1
	case b <= 0x8f:
		return mpMap, int(b & 0x0f), pos + 1
	case b <= 0x9f:
		return mpArray, int(b & 0x0f), pos + 1
	case b <= 0xbf:
		return mpStr, int(b & 0x1f), pos + 1
	}
	switch b {
	case 0xc0:
		return mpNil, 0, pos + 1
	case 0xc2, 0xc3:
		return mpBool, 0, pos + 1
	case 0xc4, 0xc5, 0xc6:
		w := 1 << (b - 0xc4)
		return mpBin, u(w), pos + 1 + w
	case 0xd9, 0xda, 0xdb:
		w := 1 << (b - 0xd9)
		return mpStr, u(w), pos + 1 + w
	case 0xc7, 0xc8, 0xc9:
		w := 1 << (b - 0xc7)
		return mpExt, u(w), pos + 2 + w
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
		return mpExt, 1 << (b - 0xd4), pos + 2
	case 0xca, 0xcb:
		return mpFloat, 0, pos + 1
	case 0xdc, 0xdd:
		w := 2 << (b - 0xdc)
		return mpArray, u(w), pos + 1 + w
	case 0xde, 0xdf:
		w := 2 << (b - 0xde)
		return mpMap, u(w), pos + 1 + w
	}
	return mpInt, 0, pos + 1 + (1 << ((b - 0xcc) & 3)) // cc–cf, d0–d3
}

// end returns the offset just after the value at pos.
func (c *mpCost) end(pos int) int {
	k, n, body := c.head(pos)
	switch k {
	case mpStr, mpBin, mpExt:
		return body + n
	case mpArray, mpMap:
		if k == mpMap {
			n *= 2
		}
		for i := 0; i < n; i++ {
			body = c.end(body)
		}
		return body
	case mpFloat:
		return body + floatWidth(c.data[pos])
	}
	return body
}

func floatWidth(b byte) int {
	switch b {
	case 0xca:
		return 4
	case 0xcb:
		return 8
	}
	return 0
}

func (c *mpCost) add(n int64) error {
	c.cost += n
	if c.cost > c.limit {
		return overBudget("decoding", c.cost, c.limit, len(c.data))
	}
	return nil
}

func (c *mpCost) str(n int) error {
	if int64(n) > c.maxStr {
		c.maxStr = int64(n)
	}
	return c.add(allocSize(uintptr(n)))
}

// value walks the value at pos as decoded into t (nil: into `any`) and
// returns its end.
func (c *mpCost) value(pos int, t reflect.Type, depth int) (int, error) {
	if depth > MaxDepth+1 {
		return 0, fmt.Errorf("%w: msgpack: nesting deeper than %d", ErrMalformed, MaxDepth)
	}
	k, n, body := c.head(pos)
	if k == mpNil {
		return body, nil
	}
	if t == nil || t.Kind() == reflect.Interface {
		return c.natural(pos, depth)
	}
	for t.Kind() == reflect.Pointer {
		if err := c.add(allocSize(t.Elem().Size())); err != nil {
			return 0, err
		}
		t = t.Elem()
	}
	if isBig(t) {
		if (k == mpStr || k == mpBin) && n > MaxBigDigits+2 {
			return 0, fmt.Errorf("%w: a number of %d characters for %s exceeds the limit of %d digits", ErrBudget, n, t, MaxBigDigits)
		}
	}
	if t == timeType || isSpecial(t) || decodesItself(t, false) {
		end := c.end(pos)
		return end, c.add(2*allocSize(uintptr(end-pos)) + 64)
	}
	switch t.Kind() {
	case reflect.Interface:
		return c.natural(pos, depth)
	case reflect.String:
		if k == mpStr || k == mpBin {
			return body + n, c.str(n)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && (k == mpStr || k == mpBin) {
			return body + n, c.str(n)
		}
		if k == mpArray {
			if err := c.add(2*allocSize(uintptr(n)*t.Elem().Size()) + 24); err != nil {
				return 0, err
			}
			return c.elems(body, n, t.Elem(), depth)
		}
	case reflect.Array:
		if k == mpArray {
			return c.elems(body, n, t.Elem(), depth)
		}
		if k == mpStr || k == mpBin {
			return body + n, c.str(n)
		}
	case reflect.Map:
		if k == mpMap {
			kt, vt := t.Key(), t.Elem()
			entry := 3*int64(kt.Size()+vt.Size()) + 48
			if err := c.add(128 + int64(n)*entry); err != nil {
				return 0, err
			}
			p := body
			var err error
			for i := 0; i < n; i++ {
				if p, err = c.value(p, kt, depth+1); err != nil {
					return 0, err
				}
				if p, err = c.value(p, vt, depth+1); err != nil {
					return 0, err
				}
			}
			return p, nil
		}
	case reflect.Struct:
		si := getStructInfo(t)
		switch k {
		case mpMap:
			p := body
			var err error
			for i := 0; i < n; i++ {
				kk, kn, kb := c.head(p)
				var f *fieldInfo
				if kk == mpStr {
					f = si.lookup(c.data[kb : kb+kn])
				}
				if p, err = c.value(p, nil, depth+1); err != nil { // the key
					return 0, err
				}
				if f == nil {
					end := c.end(p)
					if err := c.str(end - p); err != nil { // skipped through the read buffer
						return 0, err
					}
					p = end
					continue
				}
				if p, err = c.value(p, t.FieldByIndex(f.index).Type, depth+1); err != nil {
					return 0, err
				}
			}
			return p, nil
		case mpArray:
			p := body
			var err error
			for i := 0; i < n; i++ {
				var ft reflect.Type
				if i < len(si.fields) {
					ft = t.FieldByIndex(si.fields[i].index).Type
				}
				if ft == nil {
					end := c.end(p)
					if err := c.str(end - p); err != nil {
						return 0, err
					}
					p = end
					continue
				}
				if p, err = c.value(p, ft, depth+1); err != nil {
					return 0, err
				}
			}
			return p, nil
		}
	}
	// A scalar, or a mismatch the decoder reports: at most the bytes.
	end := c.end(pos)
	return end, c.add(int64(end-pos) + 16)
}

func (c *mpCost) elems(p, n int, et reflect.Type, depth int) (int, error) {
	var err error
	for i := 0; i < n; i++ {
		if p, err = c.value(p, et, depth+1); err != nil {
			return 0, err
		}
	}
	return p, nil
}

// natural is the cost of DecodeInterface: boxed scalars, []any, map[string]any.
func (c *mpCost) natural(pos, depth int) (int, error) {
	if depth > MaxDepth+1 {
		return 0, fmt.Errorf("%w: msgpack: nesting deeper than %d", ErrMalformed, MaxDepth)
	}
	k, n, body := c.head(pos)
	switch k {
	case mpNil, mpBool:
		return body, nil
	case mpInt, mpFloat:
		end := c.end(pos)
		return end, c.add(16)
	case mpStr, mpBin:
		return body + n, c.str(n + 24)
	case mpExt:
		return body + n, c.add(2*allocSize(uintptr(n)) + 96)
	case mpArray:
		if err := c.add(2*allocSize(16*uintptr(n)) + 24); err != nil {
			return 0, err
		}
		p := body
		var err error
		for i := 0; i < n; i++ {
			if p, err = c.natural(p, depth+1); err != nil {
				return 0, err
			}
		}
		return p, nil
	}
	// map: map[string]any sized n (map[any]any when a key is not a string).
	if err := c.add(160 + 128*int64(n)); err != nil {
		return 0, err
	}
	p := body
	var err error
	for i := 0; i < 2*n; i++ {
		if p, err = c.natural(p, depth+1); err != nil {
			return 0, err
		}
	}
	return p, nil
}

// lookup finds the field a map key names, as vmihailenco does (exact), or
// as rick-msgpack and json do (case-insensitively): the union, so the cost
// is counted for any field a decoder might fill.
func (si *structInfo) lookup(name []byte) *fieldInfo {
	if i, ok := si.byName[string(name)]; ok {
		return &si.fields[i]
	}
	var buf [64]byte
	if len(name) > len(buf) {
		return nil
	}
	for i, b := range name {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		buf[i] = b
	}
	if i, ok := si.byFold[string(buf[:len(name)])]; ok {
		return &si.fields[i]
	}
	return nil
}

// ---- json ----

// jsCost estimates, from above, what encoding/json allocates decoding data
// into a value of type t, walking the text and the type together (no
// syntax validation: encoding/json does that). It also caps every number
// literal at MaxBigDigits characters (plus sign, fraction and exponent
// room): Python never writes longer ones, and math/big would parse a longer
// one in superlinear time.
type jsCost struct {
	data  []byte
	cost  int64
	limit int64
}

func jsonCost(data []byte, t reflect.Type, limit int64) error {
	c := jsCost{data: data, limit: limit}
	if _, err := c.value(c.ws(0), t, 0); err != nil {
		return err
	}
	return nil
}

func (c *jsCost) add(n int64) error {
	c.cost += n
	if c.cost > c.limit {
		return overBudget("decoding", c.cost, c.limit, len(c.data))
	}
	return nil
}

func (c *jsCost) ws(p int) int {
	for p < len(c.data) {
		switch c.data[p] {
		case ' ', '\t', '\r', '\n':
			p++
			continue
		}
		break
	}
	return p
}

// strEnd returns the end of the string starting at p (the opening quote)
// and whether it holds escapes.
func (c *jsCost) strEnd(p int) (int, bool) {
	esc := false
	for i := p + 1; i < len(c.data); i++ {
		switch c.data[i] {
		case '\\':
			esc = true
			i++
		case '"':
			return i + 1, esc
		}
	}
	return len(c.data), esc
}

func (c *jsCost) numEnd(p int) (int, error) {
	i := p
	for i < len(c.data) {
		switch b := c.data[i]; {
		case b >= '0' && b <= '9', b == '-', b == '+', b == '.', b == 'e', b == 'E':
			i++
			continue
		}
		break
	}
	if i-p > MaxBigDigits+8 {
		return 0, fmt.Errorf("%w: a number of %d characters exceeds the limit of %d digits", ErrBudget, i-p, MaxBigDigits)
	}
	if i == p {
		i++ // not a value: let encoding/json report the syntax error
	}
	return i, nil
}

// value walks the value at p (t nil: into `any` with UseNumber) and
// returns the offset after it.
func (c *jsCost) value(p int, t reflect.Type, depth int) (int, error) {
	if depth > MaxDepth+1 {
		return 0, fmt.Errorf("%w: json: nesting deeper than %d", ErrMalformed, MaxDepth)
	}
	if p >= len(c.data) {
		return p, nil
	}
	if t != nil {
		for t.Kind() == reflect.Pointer {
			if c.data[p] == 'n' {
				break
			}
			if err := c.add(allocSize(t.Elem().Size())); err != nil {
				return 0, err
			}
			t = t.Elem()
		}
		if t.Kind() == reflect.Interface {
			t = nil
		}
	}
	switch b := c.data[p]; {
	case b == '"':
		end, _ := c.strEnd(p)
		n := int64(end - p)
		if t != nil && isBig(t) && n > MaxBigDigits+10 {
			return 0, fmt.Errorf("%w: a number of %d characters for %s exceeds the limit of %d digits", ErrBudget, n, t, MaxBigDigits)
		}
		return end, c.add(2*allocSize(uintptr(n)) + 32)
	case b == '-' || (b >= '0' && b <= '9'):
		end, err := c.numEnd(p)
		if err != nil {
			return 0, err
		}
		return end, c.add(2*int64(end-p) + 48)
	case b == '[':
		if t != nil && decodesItself(t, true) {
			return c.skipSelf(p, t, depth)
		}
		var elem reflect.Type
		per := int64(3 * 16) // []any grows by doubling: at most ~3× the final backing array
		if t != nil {
			switch t.Kind() {
			case reflect.Slice:
				elem, per = t.Elem(), 3*int64(t.Elem().Size())
			case reflect.Array:
				elem, per = t.Elem(), 0
			default:
				return c.skipSelf(p, t, depth) // a mismatch encoding/json reports
			}
		}
		if err := c.add(64); err != nil {
			return 0, err
		}
		q := c.ws(p + 1)
		if q < len(c.data) && c.data[q] == ']' {
			return q + 1, nil
		}
		for q < len(c.data) {
			if err := c.add(per + 16); err != nil {
				return 0, err
			}
			var err error
			if q, err = c.value(q, elem, depth+1); err != nil {
				return 0, err
			}
			q = c.ws(q)
			if q < len(c.data) && c.data[q] == ',' {
				q = c.ws(q + 1)
				continue
			}
			if q < len(c.data) && c.data[q] == ']' {
				return q + 1, nil
			}
			return q, nil // malformed: encoding/json reports it
		}
		return q, nil
	case b == '{':
		if t != nil && decodesItself(t, true) {
			return c.skipSelf(p, t, depth)
		}
		var kt, vt reflect.Type
		var fields map[string]reflect.Type
		entry := int64(160) // map[string]any entry, boxed json.Number or value
		if t != nil {
			switch t.Kind() {
			case reflect.Map:
				kt, vt = t.Key(), t.Elem()
				entry = 3*int64(kt.Size()+vt.Size()) + 64
			case reflect.Struct:
				fields, entry = jsonFields(t), 0
			default:
				return c.skipSelf(p, t, depth)
			}
		}
		if err := c.add(128); err != nil {
			return 0, err
		}
		q := c.ws(p + 1)
		if q < len(c.data) && c.data[q] == '}' {
			return q + 1, nil
		}
		for q < len(c.data) && c.data[q] == '"' {
			kend, esc := c.strEnd(q)
			var ft reflect.Type
			if fields != nil {
				name := c.data[q+1 : max(q+1, kend-1)]
				if esc {
					ft = maxField(fields) // an escaped key may name any field
				} else {
					ft = foldLookup(fields, name)
				}
			}
			if err := c.add(entry + 2*int64(kend-q) + 32); err != nil {
				return 0, err
			}
			q = c.ws(kend)
			if q >= len(c.data) || c.data[q] != ':' {
				return q, nil
			}
			q = c.ws(q + 1)
			var err error
			switch {
			case fields != nil && ft == nil:
				q, err = c.skip(q, depth+1)
			case fields != nil:
				q, err = c.value(q, ft, depth+1)
			default:
				q, err = c.value(q, vt, depth+1)
			}
			if err != nil {
				return 0, err
			}
			q = c.ws(q)
			if q < len(c.data) && c.data[q] == ',' {
				q = c.ws(q + 1)
				continue
			}
			if q < len(c.data) && c.data[q] == '}' {
				return q + 1, nil
			}
			return q, nil
		}
		return q, nil
	case b == 't' || b == 'n':
		return min(p+4, len(c.data)), nil
	case b == 'f':
		return min(p+5, len(c.data)), nil
	}
	return p + 1, nil // a syntax error encoding/json reports
}

// skip walks a value nothing is decoded into (encoding/json still scans it,
// allocating nothing proportional to it) and checks its numbers.
func (c *jsCost) skip(p, depth int) (int, error) {
	saved := c.cost
	end, err := c.value(p, nil, depth)
	c.cost = saved
	return end, err
}

// skipSelf charges a type that decodes its own JSON (UnmarshalJSON,
// UnmarshalText) or a mismatched one: linear in its text.
func (c *jsCost) skipSelf(p int, t reflect.Type, depth int) (int, error) {
	end, err := c.skip(p, depth)
	if err != nil {
		return 0, err
	}
	return end, c.add(3*int64(end-p) + 64)
}

var jsonFieldCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the lower-cased JSON names of t's fields (json tag, else
// the Go name; promoted through embedded structs) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := jsonFieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	var walk func(t reflect.Type, depth int)
	walk = func(t reflect.Type, depth int) {
		if depth > 16 {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			ft := f.Type
			if f.Anonymous && name == "" {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if et.Kind() == reflect.Struct {
					walk(et, depth+1)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			key := strings.ToLower(name)
			if old, ok := m[key]; !ok || old.Size() < ft.Size() {
				m[key] = ft
			}
		}
	}
	walk(t, 0)
	v, _ := jsonFieldCache.LoadOrStore(t, m)
	return v.(map[string]reflect.Type)
}

func foldLookup(fields map[string]reflect.Type, name []byte) reflect.Type {
	var buf [64]byte
	if len(name) > len(buf) {
		return maxField(fields)
	}
	for i, b := range name {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		} else if b >= 0x80 {
			return maxField(fields) // Unicode folding (K = Kelvin sign...): be safe
		}
		buf[i] = b
	}
	return fields[string(buf[:len(name)])]
}

// maxField is the field type a key of unknown name is charged as: the one
// whose decoding could cost most per byte (pointers, slices, maps and
// interfaces first, then the largest).
func maxField(fields map[string]reflect.Type) reflect.Type {
	var best reflect.Type
	for _, ft := range fields {
		if best == nil || weight(ft) > weight(best) {
			best = ft
		}
	}
	return best
}

func weight(t reflect.Type) uintptr {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
		return 1<<20 + t.Size()
	}
	return t.Size()
}

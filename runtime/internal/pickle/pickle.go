// Package pickle is the "pickle" codec: what the Python library rick's
// RedisCache stores by default (pickle.dumps) and what its CryptRedisCache
// encrypts.
//
// Decoding runs in three stages. Check validates the opcode stream without
// allocating (gopickle v0.2.0 would otherwise die with a fatal out-of-memory
// on a tiny pickle declaring a huge object). gopickle then unpickles it, with
// classes resolved only through an allow-list (datetime.datetime,
// datetime.date, datetime.timezone and datetime.timedelta as its offset,
// decimal.Decimal, uuid.UUID, and the builtins protocols 0–2 need for bytes
// and sets); anything else, such as os.system or an application class, is a
// NotAllowedError. Last, the result becomes the Go mapping shared by all
// rick-compatible codecs: None → nil, bool, int → int64 (uint64 or *big.Int
// when it does not fit), float → float64, str → string, bytes and bytearray →
// []byte, list/tuple/set/frozenset → []any (sets in a stable sorted order),
// dict → map[string]any (map[any]any when a key is not a str; a bytes key
// becomes a string key), datetime → time.Time (an aware value keeps its
// offset as a fixed zone, a naive one is UTC), date → pyval.Date, Decimal →
// pyval.Decimal, UUID → uuid.UUID. Decoding into *any stores that tree;
// decoding into anything else goes through pyval.Assign.
//
// Encoding uses og-rek at protocol 4: Go strings become str, []byte becomes
// bytes, time.Time an aware datetime.datetime, pyval.Date a datetime.date,
// pyval.Decimal a decimal.Decimal, uuid.UUID a uuid.UUID, structs and maps a
// dict, slices and arrays a list. Byte-identical output with CPython is not a
// goal (nor is a stable dict order: Go maps have none); equal values are.
package pickle

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	ogrek "github.com/kisielk/og-rek"
	gopickle "github.com/nlpodyssey/gopickle/pickle"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// Pickle is the pickle codec. Its zero value is ready to use.
type Pickle struct{}

// Codec returns the pickle codec.
func Codec() Pickle { return Pickle{} }

// Name returns "pickle", the codec's annotation name.
func (Pickle) Name() string { return "pickle" }

// Marshal encodes v as a protocol 4 pickle that Python's pickle.loads reads.
func (Pickle) Marshal(v any) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("pickle: encoder panic: %v", r)
		}
	}()
	tree, err := (&encoder{}).toPy(reflect.ValueOf(v), 0, 0, false)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := ogrek.NewEncoderWithConfig(&buf, &ogrek.EncoderConfig{Protocol: 4}).Encode(tree); err != nil {
		return nil, fmt.Errorf("pickle: %w", err)
	}
	return buf.Bytes(), nil
}

// Unmarshal decodes a pickle into v, which must be a non-nil pointer. A
// pickled None decodes into *any as nil and is an error for any other
// destination.
func (Pickle) Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("pickle: Unmarshal needs a non-nil pointer, got %T", v)
	}
	tree, b, err := decode(data)
	if err != nil {
		return err
	}
	if p, ok := v.(*any); ok {
		*p = tree
		return nil
	}
	if tree == nil && rv.Elem().Kind() != reflect.Interface {
		return fmt.Errorf("pickle: cannot decode None into %s", rv.Elem().Type())
	}
	if err := pyval.AssignLimited(v, tree, b.left); err != nil {
		return fmt.Errorf("pickle: %w", err)
	}
	return nil
}

// Decode checks and decodes a pickle into the Go value tree described in the
// package documentation.
func Decode(data []byte) (any, error) {
	v, _, err := decode(data)
	return v, err
}

// decode is Decode that also returns the budget left for the assignment.
// One budget (DecodeLimit) covers every stage: Check prices what gopickle
// will allocate, the allow-listed constructors and BUILD charge what they
// copy or scan, the converter what it builds.
func decode(data []byte) (any, *budget, error) {
	b, err := check(data, MaxDepth, DecodeLimit(len(data)))
	if err != nil {
		return nil, nil, err
	}
	raw, err := load(data, b)
	if err != nil {
		return nil, nil, err
	}
	v, err := (&converter{b: b}).convert(raw, 0)
	if err != nil {
		return nil, nil, err
	}
	return v, b, nil
}

// load runs gopickle, turning a panic (it has a few on malformed input) into
// an error.
func load(data []byte, b *budget) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = nil, fmt.Errorf("pickle: malformed pickle: %v", r)
		}
	}()
	u := gopickle.NewUnpickler(bytes.NewReader(data))
	u.FindClass = func(module, name string) (any, error) { return findClass(module, name, b) }
	v, err = u.Load()
	if err != nil {
		if strings.HasPrefix(err.Error(), "pickle: ") { // ours: already prefixed
			return nil, err
		}
		return nil, fmt.Errorf("pickle: %w", err)
	}
	return v, nil
}

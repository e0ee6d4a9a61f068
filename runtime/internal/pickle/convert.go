package pickle

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// converter turns gopickle's result into the DESIGN mapping. Everything it
// builds is charged to the decoding's budget, per reference: the memo lets a
// pickle refer to one object many times (BINGET is 2 bytes), and the Go tree
// holds every reference as its own converted copy, so shared objects are
// counted at their expanded size (and a str is validated per reference).
type converter struct {
	b *budget
}

func (c *converter) convert(v any, depth int) (any, error) {
	if err := c.b.charge(16, "converting the value"); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case nil, bool, float64, time.Time, pyval.Date, pyval.Decimal, uuid.UUID:
		return x, nil
	case string:
		// A str that is not UTF-8 (Python's own unpickler refuses it too)
		// could not be encoded again.
		if err := c.b.charge(int64(len(x)), "validating str"); err != nil {
			return nil, err
		}
		if !utf8.ValidString(x) {
			return nil, fmt.Errorf("pickle: str %.40q is not valid UTF-8", x)
		}
		return x, nil
	case int:
		return int64(x), nil
	case int64, uint64:
		// Already converted: a list converted in place, referenced again
		// through the memo, holds converted values.
		return x, nil
	case []any:
		// The same, for a nested list: it is walked again, so that every
		// reference is counted at its expanded size (a few hundred bytes
		// of nested sharing describe 2^40 values, which no consumer of the
		// result, nor the encoder, could walk).
		if depth >= MaxDepth {
			return nil, fmt.Errorf("pickle: value nested deeper than %d levels", MaxDepth)
		}
		return c.inPlace(x, depth)
	case map[string]any:
		return x, c.walk(x, depth)
	case map[any]any:
		return x, c.walk(x, depth)
	case *big.Int:
		return normInt(x), nil
	case []byte:
		return x, nil
	case *types.ByteArray:
		return []byte(*x), nil
	}
	if depth >= MaxDepth {
		return nil, fmt.Errorf("pickle: value nested deeper than %d levels", MaxDepth)
	}
	switch x := v.(type) {
	case *types.List:
		if err := c.b.charge(32, "converting a list"); err != nil { // the []any boxed in its parent
			return nil, err
		}
		return c.inPlace(*x, depth)
	case *types.Tuple:
		if err := c.b.charge(32, "converting a tuple"); err != nil {
			return nil, err
		}
		return c.inPlace(*x, depth)
	case *types.Set:
		if err := c.b.charge(allocSize(16*len(*x)), "converting a set"); err != nil {
			return nil, err
		}
		items := make([]any, 0, len(*x))
		for k := range *x {
			items = append(items, k)
		}
		return c.set(items, depth)
	case *types.FrozenSet:
		if err := c.b.charge(allocSize(16*len(*x)), "converting a set"); err != nil {
			return nil, err
		}
		items := make([]any, 0, len(*x))
		for k := range *x {
			items = append(items, k)
		}
		return c.set(items, depth)
	case *pySet:
		items, err := c.inPlace(x.items, depth)
		if err != nil {
			return nil, err
		}
		sortValues(items)
		return items, nil
	case *types.Dict:
		return c.dict(*x, depth)
	case *uuidObject:
		if !x.set {
			return nil, fmt.Errorf("pickle: uuid.UUID without state")
		}
		return x.u, nil
	case *timedelta:
		return nil, fmt.Errorf("pickle: datetime.timedelta is only supported as a timezone offset")
	case *timezone:
		return nil, fmt.Errorf("pickle: datetime.timezone is only supported as the tzinfo of a datetime")
	case *boundClass:
		return nil, fmt.Errorf("pickle: the class %s itself cannot be a cached value", x)
	// Names gopickle resolves itself, without asking FindClass.
	case *types.OrderedDict, *types.OrderedDictClass:
		return nil, &NotAllowedError{Module: "collections", Name: "OrderedDict"}
	case *types.ObjectClass:
		return nil, &NotAllowedError{Module: "builtins", Name: "object"}
	case *types.Reconstructor:
		return nil, &NotAllowedError{Module: "copyreg", Name: "_reconstructor"}
	case *types.GenericObject:
		return nil, &NotAllowedError{Module: x.Class.Module, Name: x.Class.Name}
	case *types.GenericClass:
		return nil, &NotAllowedError{Module: x.Module, Name: x.Name}
	}
	return nil, fmt.Errorf("pickle: unsupported value of type %s", describe(v))
}

func allocSize(n int) int64 { return int64(n) + int64(n)/8 + 16 }

// normInt returns n as int64 when it fits, else uint64, else *big.Int.
func normInt(n *big.Int) any {
	if n.IsInt64() {
		return n.Int64()
	}
	if n.IsUint64() {
		return n.Uint64()
	}
	return n
}

// walk charges a dict converted before, met again through a list the memo
// shares, at its expanded size.
func (c *converter) walk(m any, depth int) error {
	if depth >= MaxDepth {
		return fmt.Errorf("pickle: value nested deeper than %d levels", MaxDepth)
	}
	var err error
	visit := func(v any) bool {
		_, err = c.convert(v, depth+1)
		return err == nil
	}
	switch x := m.(type) {
	case map[string]any:
		if err := c.b.charge(96*int64(len(x)), "converting a dict"); err != nil {
			return err
		}
		for _, v := range x {
			if !visit(v) {
				return err
			}
		}
	case map[any]any:
		if err := c.b.charge(96*int64(len(x)), "converting a dict"); err != nil {
			return err
		}
		for _, v := range x {
			if !visit(v) {
				return err
			}
		}
	}
	return nil
}

// inPlace converts a gopickle list or tuple in its own backing array: the
// gopickle tree is dropped after conversion, so this allocates nothing, and
// a list the memo shares is converted once (a second visit finds converted
// values).
func (c *converter) inPlace(items []any, depth int) ([]any, error) {
	for i, item := range items {
		if l, ok := item.([]any); ok {
			// Converted before (a shared list): walked again only to count
			// it at its expanded size; storing it again would box it anew.
			if err := c.b.charge(16, "converting the value"); err != nil {
				return nil, err
			}
			if depth+1 >= MaxDepth {
				return nil, fmt.Errorf("pickle: value nested deeper than %d levels", MaxDepth)
			}
			if _, err := c.inPlace(l, depth+1); err != nil {
				return nil, err
			}
			continue
		}
		v, err := c.convert(item, depth+1)
		if err != nil {
			return nil, err
		}
		items[i] = v
	}
	return items, nil
}

func (c *converter) list(items []any, depth int) ([]any, error) {
	if err := c.b.charge(allocSize(16*len(items)), "converting a list"); err != nil {
		return nil, err
	}
	out := make([]any, len(items))
	for i, item := range items {
		v, err := c.convert(item, depth+1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (c *converter) set(items []any, depth int) ([]any, error) {
	out, err := c.list(items, depth)
	if err != nil {
		return nil, err
	}
	sortValues(out) // gopickle's sets are Go maps: give them a stable order
	return out, nil
}

func (c *converter) dict(entries types.Dict, depth int) (any, error) {
	// The keys, then one Go map (about 96 bytes an entry with its growth).
	if err := c.b.charge(allocSize(16*len(entries))+64+96*int64(len(entries)), "converting a dict"); err != nil {
		return nil, err
	}
	keys := make([]any, len(entries))
	allStrings := true
	for i, e := range entries {
		k, err := c.convert(e.Key, depth+1)
		if err != nil {
			return nil, err
		}
		switch kk := k.(type) {
		case string:
		case []byte:
			if err := c.b.charge(allocSize(len(kk)), "converting a bytes key"); err != nil {
				return nil, err
			}
			k = string(kk) // a bytes key becomes a string key
		case nil, bool, int64, uint64, *big.Int, float64, time.Time, pyval.Date, pyval.Decimal, uuid.UUID:
			allStrings = false
		default:
			return nil, fmt.Errorf("pickle: dict key of type %s cannot be a Go map key", describeTree(k))
		}
		if ks, ok := k.(string); ok {
			// Hashing the key into the Go map reads all of it.
			if err := c.b.charge(int64(len(ks)), "hashing dict keys"); err != nil {
				return nil, err
			}
		}
		keys[i] = k
	}
	if allStrings {
		m := make(map[string]any, len(entries))
		for i, e := range entries {
			v, err := c.convert(e.Value, depth+1)
			if err != nil {
				return nil, err
			}
			m[keys[i].(string)] = v
		}
		return m, nil
	}
	m := make(map[any]any, len(entries))
	for i, e := range entries {
		v, err := c.convert(e.Value, depth+1)
		if err != nil {
			return nil, err
		}
		m[keys[i]] = v
	}
	return m, nil
}

// describe names a gopickle value in Python terms, for error messages.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case *types.ByteArray:
		return "bytearray"
	case *types.List:
		return "list"
	case *types.Tuple:
		return "tuple"
	case *types.Set, *pySet:
		return "set"
	case *types.FrozenSet:
		return "frozenset"
	case *types.Dict:
		return "dict"
	case *pyClass:
		return "class " + x.String()
	case *timedelta:
		return "datetime.timedelta"
	case *timezone:
		return "datetime.timezone"
	case time.Time:
		return "datetime.datetime"
	case pyval.Date:
		return "datetime.date"
	case pyval.Decimal:
		return "decimal.Decimal"
	case uuid.UUID, *uuidObject:
		return "uuid.UUID"
	}
	return fmt.Sprintf("%T", v)
}

// describeTree names a converted value.
func describeTree(v any) string {
	switch v.(type) {
	case []any:
		return "tuple/list"
	case map[string]any, map[any]any:
		return "dict"
	}
	return describe(v)
}

// sortValues orders set members deterministically: by kind (None, bool,
// numbers, str, bytes, datetime, date, Decimal, UUID, tuples), then by value.
func sortValues(vs []any) {
	sort.SliceStable(vs, func(i, j int) bool { return compareValues(vs[i], vs[j], 0) < 0 })
}

func rank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case bool:
		return 1
	case int64, uint64, *big.Int, float64:
		return 2
	case string:
		return 3
	case []byte:
		return 4
	case time.Time:
		return 5
	case pyval.Date:
		return 6
	case pyval.Decimal:
		return 7
	case uuid.UUID:
		return 8
	case []any:
		return 9
	}
	return 10
}

// compareNumbers orders int64, uint64, *big.Int (beyond 64 bits) and
// float64 exactly, as Python compares int and float, without allocating
// (a big.Float per comparison made a 65,536-member set cost 830× its size).
// NaN sorts first.
func compareNumbers(a, b any) int {
	fa, aIsF := a.(float64)
	fb, bIsF := b.(float64)
	switch {
	case aIsF && bIsF:
		return cmpFloat(fa, fb)
	case aIsF:
		return -compareIntFloat(b, fa)
	case bIsF:
		return compareIntFloat(a, fb)
	}
	return compareInts(a, b)
}

func cmpFloat(a, b float64) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return -1
	case bn:
		return 1
	}
	return cmp.Compare(a, b)
}

// compareInts compares two integers of the mapping's three forms.
func compareInts(a, b any) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp.Compare(x, y)
		case uint64:
			if x < 0 {
				return -1
			}
			return cmp.Compare(uint64(x), y)
		case *big.Int:
			return -y.Sign() // beyond 64 bits: its sign decides
		}
	case uint64:
		switch y := b.(type) {
		case int64:
			return -compareInts(y, x)
		case uint64:
			return cmp.Compare(x, y)
		case *big.Int:
			return -y.Sign()
		}
	case *big.Int:
		if y, ok := b.(*big.Int); ok {
			return x.Cmp(y)
		}
		return x.Sign()
	}
	return 0
}

// compareIntFloat compares an integer with a float exactly: rounding to
// float64 is monotone, so a rounded value that differs from f decides, and
// an equal one is settled by the rounding's direction.
func compareIntFloat(a any, f float64) int {
	if math.IsNaN(f) {
		return 1
	}
	var r float64
	var acc big.Accuracy
	switch x := a.(type) {
	case int64:
		r = float64(x)
		switch {
		case r >= 1<<63:
			acc = big.Above // x ≤ 2^63−1 < r
		case int64(r) < x:
			acc = big.Below
		case int64(r) > x:
			acc = big.Above
		}
	case uint64:
		r = float64(x)
		switch {
		case r >= 1<<64:
			acc = big.Above
		case uint64(r) < x:
			acc = big.Below
		case uint64(r) > x:
			acc = big.Above
		}
	case *big.Int:
		r, acc = x.Float64()
	default:
		return 0
	}
	if r != f {
		return cmp.Compare(r, f)
	}
	switch acc {
	case big.Below: // r < x
		return 1
	case big.Above:
		return -1
	}
	return 0
}

func compareValues(a, b any, depth int) int {
	if r := cmp.Compare(rank(a), rank(b)); r != 0 {
		return r
	}
	switch x := a.(type) {
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case string:
		return cmp.Compare(x, b.(string))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case time.Time:
		return x.Compare(b.(time.Time))
	case pyval.Date:
		y := b.(pyval.Date)
		return cmp.Compare(x.Time().Unix(), y.Time().Unix())
	case pyval.Decimal:
		return cmp.Compare(x.String(), b.(pyval.Decimal).String())
	case uuid.UUID:
		y := b.(uuid.UUID)
		return bytes.Compare(x[:], y[:])
	case []any:
		y := b.([]any)
		if depth > MaxDepth {
			return 0
		}
		for i := 0; i < len(x) && i < len(y); i++ {
			if r := compareValues(x[i], y[i], depth+1); r != 0 {
				return r
			}
		}
		return cmp.Compare(len(x), len(y))
	}
	if rank(a) == 2 {
		return compareNumbers(a, b)
	}
	return 0
}

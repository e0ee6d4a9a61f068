package pickle

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/nlpodyssey/gopickle/types"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// A decoded tree may hold at most nodesPerByte values per input byte plus
// extraNodes. Every value in a pickle costs at least one opcode byte, except
// that the memo lets one object be referenced many times (BINGET is 2 bytes),
// and the Go tree holds each reference as a copy: with sharing nested, a few
// hundred bytes could otherwise describe 2^40 values. The budget leaves room
// for ordinary sharing (the same dict referenced from a few places).
const (
	nodesPerByte = 8
	extraNodes   = 1 << 16
)

// converter turns gopickle's result into the DESIGN mapping.
type converter struct {
	budget int // values still allowed
}

func newConverter(inputLen int) *converter {
	return &converter{budget: nodesPerByte*inputLen + extraNodes}
}

func (c *converter) convert(v any, depth int) (any, error) {
	c.budget--
	if c.budget < 0 {
		return nil, fmt.Errorf("pickle: value expands to too many objects (shared references)")
	}
	switch x := v.(type) {
	case nil, bool, float64, string, time.Time, pyval.Date, pyval.Decimal, uuid.UUID:
		return x, nil
	case int:
		return int64(x), nil
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
		return c.list(*x, depth)
	case *types.Tuple:
		return c.list(*x, depth)
	case *types.Set:
		items := make([]any, 0, len(*x))
		for k := range *x {
			items = append(items, k)
		}
		return c.set(items, depth)
	case *types.FrozenSet:
		items := make([]any, 0, len(*x))
		for k := range *x {
			items = append(items, k)
		}
		return c.set(items, depth)
	case *pySet:
		return c.set(x.items, depth)
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
	case *pyClass:
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

func (c *converter) list(items []any, depth int) ([]any, error) {
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
			k = string(kk) // a bytes key becomes a string key
		case nil, bool, int64, uint64, *big.Int, float64, time.Time, pyval.Date, pyval.Decimal, uuid.UUID:
			allStrings = false
		default:
			return nil, fmt.Errorf("pickle: dict key of type %s cannot be a Go map key", describeTree(k))
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

func bigOf(v any) *big.Float {
	switch n := v.(type) {
	case int64:
		return new(big.Float).SetInt64(n)
	case uint64:
		return new(big.Float).SetUint64(n)
	case *big.Int:
		return new(big.Float).SetInt(n)
	}
	return nil
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
		fa, fb := a, b
		if f, ok := fa.(float64); ok {
			if g, ok := fb.(float64); ok {
				return cmp.Compare(f, g)
			}
			if math.IsNaN(f) {
				return -1
			}
			if math.IsInf(f, 0) {
				return int(math.Copysign(1, f))
			}
			return new(big.Float).SetFloat64(f).Cmp(bigOf(fb))
		}
		if g, ok := fb.(float64); ok {
			if math.IsNaN(g) {
				return 1
			}
			if math.IsInf(g, 0) {
				return -int(math.Copysign(1, g))
			}
			return bigOf(fa).Cmp(new(big.Float).SetFloat64(g))
		}
		return bigOf(fa).Cmp(bigOf(fb))
	}
	return 0
}

package codec

import (
	"encoding"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
	"github.com/google/uuid"
)

var (
	timeType          = reflect.TypeFor[time.Time]()
	dateType          = reflect.TypeFor[pyval.Date]()
	decimalType       = reflect.TypeFor[pyval.Decimal]()
	uuidType          = reflect.TypeFor[uuid.UUID]()
	bigIntPtrType     = reflect.TypeFor[*big.Int]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// isSpecial reports the types the rick mapping treats as values of their
// own (they are structs or arrays to reflect, but must not be walked).
func isSpecial(t reflect.Type) bool {
	return t == timeType || t == dateType || t == decimalType || t == uuidType || t == bigIntPtrType
}

// fieldInfo is one encoded struct field, possibly promoted from an embedded
// struct (index is then a path).
type fieldInfo struct {
	name      string
	index     []int
	omitEmpty bool
}

// structInfo lists a struct's fields the way vmihailenco/msgpack does: the
// `msgpack` tag name, else the Go name; "-" (and `cache:"-"`) skips; unexported fields are
// skipped; an untagged embedded struct (not a pointer) has its fields
// inlined unless a field of the outer struct has the same name.
type structInfo struct {
	fields []fieldInfo
	byName map[string]int // exact names
	byFold map[string]int // lower-cased names, first wins
}

var structInfos sync.Map // reflect.Type → *structInfo

func getStructInfo(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{byName: map[string]int{}, byFold: map[string]int{}}
	for _, f := range collectFields(t, nil, 0) {
		if _, dup := si.byName[f.name]; dup {
			continue
		}
		si.byName[f.name] = len(si.fields)
		fold := strings.ToLower(f.name)
		if _, dup := si.byFold[fold]; !dup {
			si.byFold[fold] = len(si.fields)
		}
		si.fields = append(si.fields, f)
	}
	v, _ := structInfos.LoadOrStore(t, si)
	return v.(*structInfo)
}

func parseTag(tag string) (name string, omitEmpty bool) {
	name, opts, _ := strings.Cut(tag, ",")
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == "omitempty" {
			omitEmpty = true
		}
	}
	return name, omitEmpty
}

// collectFields returns t's fields in declaration order, inlining embedded
// structs. depth bounds recursion through (impossible, but cheap to guard)
// embedding cycles.
func collectFields(t reflect.Type, prefix []int, depth int) []fieldInfo {
	if depth > 16 {
		return nil
	}
	type cand struct {
		f      reflect.StructField
		name   string
		omit   bool
		inline bool
	}
	var cands []cand
	direct := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, omit := parseTag(f.Tag.Get("msgpack"))
		if name == "-" || f.Tag.Get("cache") == "-" {
			continue // cache:"-" stays out of the cache, as pyval.Assign leaves it alone
		}
		inline := f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct &&
			!isSpecial(f.Type) && !f.Type.Implements(textMarshalerType) &&
			!reflect.PointerTo(f.Type).Implements(textMarshalerType)
		if !f.IsExported() && !inline {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if !inline {
			direct[name] = true
		}
		cands = append(cands, cand{f, name, omit, inline})
	}
	var out []fieldInfo
	for _, c := range cands {
		idx := append(append([]int(nil), prefix...), c.f.Index...)
		if !c.inline {
			out = append(out, fieldInfo{name: c.name, index: idx, omitEmpty: c.omit})
			continue
		}
		for _, sub := range collectFields(c.f.Type, idx, depth+1) {
			if !direct[sub.name] {
				out = append(out, sub)
			}
		}
	}
	return out
}

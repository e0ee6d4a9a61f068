package pickle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

const vectorDir = "../../testdata/vectors"

func readJSON(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectorDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// errNotInMapping marks a "tv" value the codec must refuse: a class instance
// ("object", e.g. rick's ShallowContainer) or anything else outside the
// DESIGN mapping ("repr"). Such classes are not on the decoder's allow-list.
var errNotInMapping = fmt.Errorf("value outside the DESIGN mapping")

// tvToGo converts the vectors' typed-JSON ("tv") form of a Python value into
// the Go value the DESIGN mapping says a decoder returns for it.
func tvToGo(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case map[string]any:
		if len(x) == 0 {
			return nil, fmt.Errorf("empty tv object")
		}
		var tag string
		for k := range x {
			if k != "attrs" {
				tag = k
			}
		}
		arg := x[tag]
		switch tag {
		case "int":
			n, ok := new(big.Int).SetString(arg.(string), 10)
			if !ok {
				return nil, fmt.Errorf("bad int %v", arg)
			}
			return normInt(n), nil
		case "float":
			return strconv.ParseFloat(arg.(string), 64)
		case "bytes", "memoryview":
			return hex.DecodeString(arg.(string))
		case "list", "tuple", "set", "frozenset":
			items := arg.([]any)
			out := make([]any, len(items))
			for i, it := range items {
				g, err := tvToGo(it)
				if err != nil {
					return nil, err
				}
				out[i] = g
			}
			if tag == "set" || tag == "frozenset" {
				sortValues(out)
			}
			return out, nil
		case "dict":
			pairs := arg.([]any)
			keys := make([]any, len(pairs))
			vals := make([]any, len(pairs))
			allStr := true
			for i, p := range pairs {
				kv := p.([]any)
				k, err := tvToGo(kv[0])
				if err != nil {
					return nil, err
				}
				if b, ok := k.([]byte); ok {
					k = string(b)
				}
				if _, ok := k.(string); !ok {
					allStr = false
				}
				keys[i] = k
				if vals[i], err = tvToGo(kv[1]); err != nil {
					return nil, err
				}
			}
			if allStr {
				m := map[string]any{}
				for i := range keys {
					m[keys[i].(string)] = vals[i]
				}
				return m, nil
			}
			m := map[any]any{}
			for i := range keys {
				m[keys[i]] = vals[i]
			}
			return m, nil
		case "decimal":
			return pyval.ParseDecimal(arg.(string))
		case "datetime":
			return pyval.ParseISO(arg.(string))
		case "date":
			return pyval.ParseDate(arg.(string))
		case "uuid":
			return uuid.Parse(arg.(string))
		case "object", "repr":
			return nil, errNotInMapping
		}
		return nil, fmt.Errorf("unknown tv tag %q", tag)
	}
	return nil, fmt.Errorf("unexpected tv value %#v", v)
}

// equalTree compares decoded trees: NaN equals NaN, -0 differs from +0,
// times are equal when instant and UTC offset are, big ints by value,
// map[any]any keys by equalTree.
func equalTree(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case float64:
		y, ok := b.(float64)
		if !ok {
			return false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return math.IsNaN(x) && math.IsNaN(y)
		}
		return x == y && math.Signbit(x) == math.Signbit(y)
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case time.Time:
		y, ok := b.(time.Time)
		if !ok {
			return false
		}
		_, ox := x.Zone()
		_, oy := y.Zone()
		return x.Equal(y) && ox == oy
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalTree(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalTree(v, w) {
				return false
			}
		}
		return true
	case map[any]any:
		y, ok := b.(map[any]any)
		if !ok || len(x) != len(y) {
			return false
		}
	outer:
		for k, v := range x {
			for k2, w := range y {
				if equalTree(k, k2) {
					if !equalTree(v, w) {
						return false
					}
					continue outer
				}
			}
			return false
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// python returns the python3 binary. The interop tests must not vanish
// silently in CI: there a missing python3 is a failure, elsewhere a skip.
func python(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is required for the pickle interop tests in CI")
		}
		t.Skip("python3 not installed")
	}
	return p
}

// pyTV is a Python function printing the vectors' "tv" form of a value.
const pyTV = `
import datetime, decimal, json, pickle, sys, uuid
def tv(v):
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": repr(v)}
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": bytes(v).hex()}
    if isinstance(v, list):
        return {"list": [tv(x) for x in v]}
    if isinstance(v, tuple):
        return {"tuple": [tv(x) for x in v]}
    if isinstance(v, frozenset):
        return {"frozenset": [tv(x) for x in v]}
    if isinstance(v, set):
        return {"set": [tv(x) for x in v]}
    if isinstance(v, dict):
        return {"dict": [[tv(k), tv(x)] for k, x in v.items()]}
    if isinstance(v, decimal.Decimal):
        return {"decimal": str(v)}
    if isinstance(v, datetime.datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, datetime.date):
        return {"date": v.isoformat()}
    if isinstance(v, uuid.UUID):
        return {"uuid": str(v)}
    return {"repr": repr(v)}
`

// runPython runs script with the given files as arguments and returns stdout.
func runPython(t testing.TB, script string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python(t), append([]string{"-c", script}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	return out
}

// canonTV puts a decoded tv JSON value in a canonical order: dict pairs and
// set members sorted by their JSON text (Go maps have no order).
func canonTV(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = canonTV(x[i])
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			c := canonTV(val)
			if k == "dict" || k == "set" || k == "frozenset" {
				items := c.([]any)
				sort.Slice(items, func(i, j int) bool {
					bi, _ := json.Marshal(items[i])
					bj, _ := json.Marshal(items[j])
					return string(bi) < string(bj)
				})
			}
			out[k] = c
		}
		return out
	}
	return v
}

func jsonEqualCanon(t testing.TB, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("bad JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad JSON %q: %v", want, err)
	}
	return reflect.DeepEqual(canonTV(g), canonTV(w))
}

func short(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

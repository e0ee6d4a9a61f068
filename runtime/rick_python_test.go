package runtime_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

// pyCase is one of rick's data-type test values (RE13–RE19, RE27, CE6,
// CE9–CE11, CE13) as Python writes it and as Go reads and writes it.
type pyCase struct {
	name string
	py   string // the Python expression rick's test stores
	want any    // what Go reads into any (DESIGN's Python → Go mapping)
	// write is what Go stores for the same value, which Python must read
	// back equal to py, with the same types; nil for a set or tuple, which
	// Go cannot write (a Go slice is a Python list).
	write any
}

var pyCases = []pyCase{
	{"true", "True", true, true},
	{"false", "False", false, false},
	{"int", "42", int64(42), 42},
	{"float", "3.14159", 3.14159, 3.14159},
	{"negative", "-100", int64(-100), int64(-100)},
	{"zero", "0", int64(0), uint8(0)},
	{"large", "999999999999999999", int64(999999999999999999), int64(999999999999999999)},
	{"hello", `"hello"`, "hello", "hello"},
	{"japanese", `"こんにちは世界"`, "こんにちは世界", "こんにちは世界"},
	{"emoji", `"🎉👍❤\ufe0f"`, "🎉👍❤\ufe0f", "🎉👍❤\ufe0f"},
	{"multiline", `"line1\nline2\nline3"`, "line1\nline2\nline3", "line1\nline2\nline3"},
	{"empty", `""`, "", ""},
	{"punctuation", `"!@#$%^&*()_+-=[]{}|;':\",./<>?"`, `!@#$%^&*()_+-=[]{}|;':",./<>?`, `!@#$%^&*()_+-=[]{}|;':",./<>?`},
	{"long", `"x" * 10000`, strings.Repeat("x", 10000), strings.Repeat("x", 10000)},
	{"binary", `b"\x00\x01\x02\x03\x04\x05"`, []byte{0, 1, 2, 3, 4, 5}, []byte{0, 1, 2, 3, 4, 5}},
	{"binary high", `b"\x00\x01\x02\xff\xfe\xfd"`, []byte{0, 1, 2, 0xff, 0xfe, 0xfd}, []byte{0, 1, 2, 0xff, 0xfe, 0xfd}},
	{"list", "[1, 2, 3, 4, 5]", []any{int64(1), int64(2), int64(3), int64(4), int64(5)}, []int{1, 2, 3, 4, 5}},
	{"mixed list", `[1, "two", 3.0, True, None]`, []any{int64(1), "two", 3.0, true, nil}, []any{1, "two", 3.0, true, nil}},
	{"nested list", "[[1, 2], [3, [4, 5]]]", []any{[]any{int64(1), int64(2)}, []any{int64(3), []any{int64(4), int64(5)}}}, []any{[]int{1, 2}, []any{3, []int{4, 5}}}},
	{"empty list", "[]", []any{}, []string{}},
	{"dict", `{"a": 1, "b": 2}`, map[string]any{"a": int64(1), "b": int64(2)}, map[string]int{"a": 1, "b": 2}},
	{"nested dict", `{"outer": {"inner": {"deep": "value"}}}`, map[string]any{"outer": map[string]any{"inner": map[string]any{"deep": "value"}}}, map[string]map[string]map[string]string{"outer": {"inner": {"deep": "value"}}}},
	{"mixed dict", `{"int": 1, "str": "s", "list": [1, 2], "none": None, "bool": False, "float": 1.5}`, map[string]any{"int": int64(1), "str": "s", "list": []any{int64(1), int64(2)}, "none": nil, "bool": false, "float": 1.5}, map[string]any{"int": 1, "str": "s", "list": []int{1, 2}, "none": nil, "bool": false, "float": 1.5}},
	{"empty dict", "{}", map[string]any{}, map[string]bool{}},
	{"list of dicts", `[{"a": 1}, {"b": [2, 3]}]`, []any{map[string]any{"a": int64(1)}, map[string]any{"b": []any{int64(2), int64(3)}}}, []map[string]any{{"a": 1}, {"b": []int{2, 3}}}},
	{"set", "{1, 2, 3, 4, 5}", []any{int64(1), int64(2), int64(3), int64(4), int64(5)}, nil},
	{"tuple", `(1, 2, "three", 4.0)`, []any{int64(1), int64(2), "three", 4.0}, nil},
	{"small tuple", "(1, 2, 3)", []any{int64(1), int64(2), int64(3)}, nil},
	{"small set", "{1, 2, 3}", []any{int64(1), int64(2), int64(3)}, nil},
}

// pyScript pickles every case (mode "dump": JSON {name: base64} on stdout)
// or checks Go's pickles (mode "check": JSON {name: base64} on stdin) by
// pickle.loads — what rick's get does after the optional decryption — and
// prints one line per value that differs in value or in any type inside.
const pyScript = `
import base64, json, pickle, sys
cases = json.loads(sys.argv[2])
values = {name: eval(expr) for name, expr in cases.items()}

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b

if sys.argv[1] == "dump":
    print(json.dumps({n: base64.b64encode(pickle.dumps(v)).decode() for n, v in values.items()}))
else:
    for name, b64 in json.load(sys.stdin).items():
        got = pickle.loads(base64.b64decode(b64))
        if not same(got, values[name]):
            print("%s: Python read %r (%s), want %r" % (name, got, type(got).__name__, values[name]))
`

// runPickleScript runs pyScript with CPython; in CI a missing python3 fails.
func runPickleScript(t *testing.T, mode string, stdin []byte) []byte {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is required for the pickle interop tests in CI")
		}
		t.Skip("python3 not installed")
	}
	exprs := map[string]string{}
	for _, c := range pyCases {
		exprs[c.name] = c.py
	}
	arg, err := json.Marshal(exprs)
	must(t, err)
	cmd := exec.Command(python, "-c", pyScript, mode, string(arg))
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 %s: %v\n%s", mode, err, stderr.String())
	}
	return out
}

// TestRE13toRE19RE27CE6CE9toCE13WithPython runs rick's data-type tests
// across the language boundary, through a plain and a crypt cache with
// rick's codec (pickle): CPython pickles each value as rick's set() does
// (encrypted with Fernet256 for the crypt cache), and the cache's Get must
// return the DESIGN mapping's Go value; then the cache's Set stores the Go
// counterpart, and CPython's pickle.loads of those bytes (decrypted for the
// crypt cache) must equal the Python value with the same types — True
// stays bool, 42 int, b"…" bytes.
func TestRE13toRE19RE27CE6CE9toCE13WithPython(t *testing.T) {
	var fromPython map[string]string
	out := runPickleScript(t, "dump", nil)
	if err := json.Unmarshal(out, &fromPython); err != nil {
		t.Fatalf("python output %q: %v", out, err)
	}
	kinds(t, func(t *testing.T, rdb redis.UniversalClient, c runtime.Cache) {
		fromGo := map[string]string{}
		for _, tc := range pyCases {
			b, err := base64.StdEncoding.DecodeString(fromPython[tc.name])
			if err != nil || len(b) == 0 {
				t.Fatalf("%s: python wrote %q (%v)", tc.name, fromPython[tc.name], err)
			}
			storeAsRick(t, rdb, c, "py:"+tc.name, b)
			var got any
			must(t, c.Get(ctx, "py:"+tc.name, &got))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: Python's %s read as %#v, want %#v", tc.name, tc.py, got, tc.want)
			}
			if tc.write == nil {
				continue
			}
			must(t, c.Set(ctx, "go:"+tc.name, tc.write, 0))
			fromGo[tc.name] = base64.StdEncoding.EncodeToString(codecBytes(t, rdb, c, "go:"+tc.name))
		}
		if st := c.Stats(); st.Hits != uint64(len(pyCases)) || st.Errors != 0 {
			t.Errorf("stats %+v, want %d hits and no errors", st, len(pyCases))
		}
		in, err := json.Marshal(fromGo)
		must(t, err)
		if diff := strings.TrimSpace(string(runPickleScript(t, "check", in))); diff != "" {
			t.Errorf("CPython read Go's pickles differently:\n%s", diff)
		}
	}, pickled())
}

package pickle

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// TestPythonReadsGoPickles writes Go values with Marshal and has CPython's
// pickle.loads read them, checking the Python types and values it sees
// (str vs bytes, aware datetimes, Decimal, UUID, dicts).
func TestPythonReadsGoPickles(t *testing.T) {
	python(t) // skip (or fail in CI) before doing any work
	uid := uuid.MustParse("12345678-1234-5678-1234-567812345678")
	cases := []struct {
		name string
		in   any
		tv   string
	}{
		{"none", nil, `null`},
		{"bool", true, `true`},
		{"int", 42, `{"int":"42"}`},
		{"int64 min", int64(math.MinInt64), `{"int":"-9223372036854775808"}`},
		{"int beyond int32", int64(1) << 40, `{"int":"1099511627776"}`},
		{"uint64 max", uint64(math.MaxUint64), `{"int":"18446744073709551615"}`},
		{"big", new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 100)), `{"int":"-1267650600228229401496703205376"}`},
		{"float", 3.5, `{"float":"3.5"}`},
		{"float32", float32(0.1), `{"float":"0.10000000149011612"}`},
		{"neg zero", math.Copysign(0, -1), `{"float":"-0.0"}`},
		{"nan", math.NaN(), `{"float":"nan"}`},
		{"inf", math.Inf(1), `{"float":"inf"}`},
		{"str", "héllo 🎉\n", `"héllo 🎉\n"`},
		{"bytes", []byte{0, 0xff, 'a'}, `{"bytes":"00ff61"}`},
		{"nil bytes", []byte(nil), `{"bytes":""}`},
		{"long str", strings.Repeat("é", 40000), `"` + strings.Repeat("é", 40000) + `"`},
		{"datetime utc", time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), `{"datetime":"2025-01-01T12:00:00+00:00"}`},
		{"datetime offset", time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.FixedZone("X", -(5*3600+30*60))), `{"datetime":"2025-03-04T05:06:07.123456-05:30"}`},
		{"datetime east", time.Date(1, 1, 1, 0, 0, 0, 0, time.FixedZone("", 14*3600)), `{"datetime":"0001-01-01T00:00:00+14:00"}`},
		{"datetime max", time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), `{"datetime":"9999-12-31T23:59:59.999999+00:00"}`},
		{"date", pyval.Date{Year: 2024, Month: 2, Day: 29}, `{"date":"2024-02-29"}`},
		{"decimal", pyval.MustDecimal("1234.5600"), `{"decimal":"1234.5600"}`},
		{"decimal exp", pyval.MustDecimal("1E+2"), `{"decimal":"1E+2"}`},
		{"decimal nan", pyval.MustDecimal("-sNaN"), `{"decimal":"-sNaN"}`},
		{"uuid", uid, `{"uuid":"12345678-1234-5678-1234-567812345678"}`},
		{"slice", []int{1, 2}, `{"list":[{"int":"1"},{"int":"2"}]}`},
		{"empty slice", []string{}, `{"list":[]}`},
		{"map str", map[string]any{"a": 1, "b": []byte("x")}, `{"dict":[["a",{"int":"1"}],["b",{"bytes":"78"}]]}`},
		{"map int", map[int]string{1: "one", -2: "two"}, `{"dict":[[{"int":"1"},"one"],[{"int":"-2"},"two"]]}`},
		{"map time key", map[time.Time]int{time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC): 1}, `{"dict":[[{"datetime":"2020-01-01T00:00:00+00:00"},{"int":"1"}]]}`},
		{"map uuid key", map[uuid.UUID]bool{uid: true}, `{"dict":[[{"uuid":"12345678-1234-5678-1234-567812345678"},true]]}`},
		{"map array key", map[[2]int]int{{1, 2}: 3}, `{"dict":[[{"tuple":[{"int":"1"},{"int":"2"}]},{"int":"3"}]]}`},
		{"struct", address{City: "Oslo"}, `{"dict":[["City","Oslo"],["Zip",null]]}`},
		{"account", sampleAccount(), `{"dict":[
			["ID",{"int":"1099511627776"}],["email","ann@example.com"],["Balance",{"decimal":"1234.5600"}],
			["Born",{"date":"1990-07-14"}],["Seen",{"datetime":"2025-03-04T05:06:07.123456-05:30"}],
			["Token",{"uuid":"12345678-1234-5678-1234-567812345678"}],["Avatar",{"bytes":"0001ff"}],
			["Tags",{"list":["a","é"]}],["Scores",{"dict":[["x",{"float":"1.5"}],["nan",{"float":"inf"}]]}],
			["Home",{"dict":[["City","Oslo"],["Zip","12345"]]}],["Work",null],["Flags",{"list":[true,false,true]}],
			["Big",{"int":"-1208925819614629174706176"}],["Huge",{"int":"18446744073709551615"}],
			["Small",{"int":"-128"}],["Ratio",{"float":"0.5"}],["CreatedBy","root"]]}`},
	}
	dir := t.TempDir()
	var files []string
	for i, c := range cases {
		data, err := Codec().Marshal(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		f := filepath.Join(dir, fmt.Sprintf("%03d.pickle", i))
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out := runPython(t, pyTV+`
print(json.dumps([tv(pickle.load(open(p, "rb"))) for p in sys.argv[1:]]))
`, files...)
	var got []json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for i, c := range cases {
		if !jsonEqualCanon(t, string(got[i]), c.tv) {
			t.Errorf("%s: Python read\n %s\nwant\n %s", c.name, short(string(got[i])), short(c.tv))
		}
	}
}

// pyValues are pickled by CPython at every protocol for TestGoReadsPythonPickles.
const pyValues = `
import datetime as dt, decimal, uuid
D = decimal.Decimal
shared = [1, 2]
values = {
    "none": None, "true": True, "false": False,
    "zero": 0, "neg": -1, "i255": 255, "i256": 256, "i65536": 65536,
    "min32": -2**31, "p31": 2**31, "max63": 2**63 - 1, "p63": 2**63, "m63": -2**63 - 1,
    "p64": 2**64, "p100": 2**100, "m100": -2**100,
    "float": 3.14, "negzero": -0.0, "inf": float("inf"), "nan": float("nan"), "tiny": 5e-324,
    "s_empty": "", "s_ascii": "hello world", "s_unicode": "é€🎉 ünïcødé", "s_backslash": "a\\b\nc",
    "s_big": "x" * 70000,
    "b_empty": b"", "b_bin": bytes(range(256)), "b_big": bytes(70000),
    "ba": bytearray(b"xy\x00"), "ba_empty": bytearray(),
    "l_empty": [], "l_nested": [1, [2, [3, []]]], "l_mixed": [1, "two", 3.0, True, None, b"b"],
    "l_1500": list(range(1500)),
    "t_empty": (), "t1": (1,), "t4": (1, 2, "three", 4.0),
    "set": {1, 2, 3}, "set_str": {"a", "b"}, "set_empty": set(), "set_tuple": {(1, 2)},
    "fs": frozenset({1}), "fs_empty": frozenset(),
    "set_bytes": {b"a"},
    "d_empty": {}, "d_nested": {"a": {"b": [1, None]}}, "d_mixed_keys": {1: "one", 2.5: "x", None: 0},
    "d_bytes_key": {b"k": 1}, "d_1500": {f"k{i}": i for i in range(1500)},
    "shared": [shared, shared, {"x": shared}],
    "dec": D("1234.56"), "dec_exp": D("1E+2"), "dec_neg0": D("-0"), "dec_nan": D("NaN"),
    "dec_snan": D("-sNaN"), "dec_inf": D("-Infinity"),
    "dt_naive": dt.datetime(2025, 1, 1, 12, 0, 0, 123456),
    "dt_utc": dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone.utc),
    "dt_ist": dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    "dt_pst": dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=-8), "PST")),
    "dt_min": dt.datetime(1, 1, 1), "dt_max": dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
    "dt_fold": dt.datetime(2025, 11, 2, 1, 30, fold=1),
    "date": dt.date(2024, 2, 29), "date_min": dt.date(1, 1, 1),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "uuid_max": uuid.UUID(int=2**128 - 1),
    "uuid_safe": uuid.UUID("12345678-1234-5678-1234-567812345678", is_safe=uuid.SafeUUID.safe),
    "record": {"when": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc), "id": uuid.UUID(int=1),
               "amount": D("9.99"), "day": dt.date(2024, 5, 6), "tags": ("a", "b"), "raw": b"\x00"},
}
out = []
for name, v in values.items():
    for proto in range(6):
        out.append({"name": name, "proto": proto, "hex": pickle.dumps(v, proto).hex(), "tv": tv(v)})
print(json.dumps(out))
`

// TestGoReadsPythonPickles has CPython pickle a wide set of values at every
// protocol 0–5 and decodes each in Go. Protocols 1–5 must decode exactly.
// Protocol 0 writes str (and the bytes/datetime states built from str) as
// raw-unicode-escape text, which gopickle does not unescape: Check refuses
// escapes and raw non-ASCII there, so protocol 0 either decodes exactly or
// fails with "not supported" — never a wrong value.
func TestGoReadsPythonPickles(t *testing.T) {
	out := runPython(t, pyTV+pyValues)
	var cases []struct {
		Name  string
		Proto int
		Hex   string
		TV    any
	}
	if err := json.Unmarshal(out, &cases); err != nil {
		t.Fatal(err)
	}
	var p0fail []string
	for _, c := range cases {
		label := fmt.Sprintf("%s/protocol%d", c.Name, c.Proto)
		want, err := tvToGo(c.TV)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		var got any
		err = Codec().Unmarshal(mustHex(t, c.Hex), &got)
		switch {
		case c.Name == "set_bytes" && c.Proto >= 4:
			// gopickle v0.2.0 stores EMPTY_SET/ADDITEMS members as Go map
			// keys, and bytes are not hashable in Go: a known limitation,
			// reported as an error.
			if err == nil || !strings.Contains(err.Error(), "unhashable") {
				t.Errorf("%s: %v %#v", label, err, got)
			}
		case err != nil && c.Proto == 0 && strings.Contains(err.Error(), "not supported"):
			p0fail = append(p0fail, c.Name)
		case err != nil:
			t.Errorf("%s: %v", label, err)
		case !equalTree(got, want):
			t.Errorf("%s:\n got  %s\n want %s", label, short(fmt.Sprintf("%#v", got)), short(fmt.Sprintf("%#v", want)))
		}
	}
	t.Logf("protocol 0 refused (escaped text): %s", strings.Join(p0fail, ", "))
	if len(cases) < 6*70 {
		t.Errorf("only %d cases", len(cases))
	}
}

// TestPythonAgreesHostileIsHostile makes sure the hostile fixtures really are
// what they claim: Python's pickletools names the same global.
func TestPythonAgreesHostileIsHostile(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i, h := range pythonHostile {
		f := filepath.Join(dir, fmt.Sprintf("%02d", i))
		if err := os.WriteFile(f, mustHex(t, h.hex), 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out := runPython(t, `
import pickletools, sys, json
res = []
for p in sys.argv[1:]:
    names, strs = [], []
    for op, arg, pos in pickletools.genops(open(p, "rb").read()):
        if op.name in ("GLOBAL", "INST"):
            names.append(arg.replace(" ", "."))
        elif op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strs.append(arg)
        elif op.name == "STACK_GLOBAL":
            names.append(strs[-2] + "." + strs[-1])
    res.append(names)
print(json.dumps(res))
`, files...)
	var names [][]string
	if err := json.Unmarshal(out, &names); err != nil {
		t.Fatal(err)
	}
	for i, h := range pythonHostile {
		if !strings.Contains(h.want, "class ") {
			continue
		}
		found := false
		for _, n := range names[i] {
			if strings.Contains(h.want, "class "+n+" ") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: pickletools saw %v, test expects %q", h.name, names[i], h.want)
		}
	}
}

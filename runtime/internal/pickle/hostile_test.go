package pickle

import (
	"bytes"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// pythonHostile were made once by CPython 3.11 (pickle.dumps of objects
// whose __reduce__ returns the callable and its arguments, and of class
// instances registered under rick.base / app.models). None may decode.
var pythonHostile = []struct{ name, hex, want string }{
	{"os_system_p4", "80049525000000000000008c05706f736978948c0673797374656d9493948c0a6563686f2070776e656494859452942e", "class posix.system is not allowed"},
	{"os_system_p2", "800263706f7369780a73797374656d0a7100580a0000006563686f2070776e656471018571025271032e", "class posix.system is not allowed"},
	{"os_system_p0", "63706f7369780a73797374656d0a70300a28566563686f2070776e65640a70310a7470320a5270330a2e", "class posix.system is not allowed"},
	{"subprocess_popen_p4", "80049524000000000000008c0a73756270726f63657373948c05506f70656e9493945d948c0269649461859452942e", "class subprocess.Popen is not allowed"},
	{"builtins_eval_p4", "8004951f000000000000008c086275696c74696e73948c046576616c9493948c03312b3194859452942e", "class builtins.eval is not allowed"},
	{"builtins_eval_p2", "8002635f5f6275696c74696e5f5f0a6576616c0a71005803000000312b3171018571025271032e", "class __builtin__.eval is not allowed"},
	{"builtins_getattr_p4", "80049525000000000000008c086275696c74696e73948c07676574617474729493944b018c047265616c94869452942e", "class builtins.getattr is not allowed"},
	{"nested_os_system_p4", "80049530000000000000007d948c0161945d94284b017d948c0162948c05706f736978948c0673797374656d9493948c017894859452947365732e", "class posix.system is not allowed"},
	{"shallow_container_p4", "8004953a000000000000008c097269636b2e62617365948c105368616c6c6f77436f6e7461696e65729493942981947d948c055f64617461947d948c0161944b017373622e", "class rick.base.ShallowContainer is not allowed"},
	{"shallow_container_p2", "8002637269636b2e626173650a5368616c6c6f77436f6e7461696e65720a7100298171017d710258050000005f6461746171037d710458010000006171054b017373622e", "class rick.base.ShallowContainer is not allowed"},
	{"user_class_p4", "80049523000000000000008c0a6170702e6d6f64656c73948c03466f6f9493942981947d948c0178944b0173622e", "class app.models.Foo is not allowed"},
	{"user_class_p0", "63636f70795f7265670a5f7265636f6e7374727563746f720a70300a28636170702e6d6f64656c730a466f6f0a70310a635f5f6275696c74696e5f5f0a6f626a6563740a70320a4e7470330a5270340a286470350a56780a70360a49310a73622e", "class app.models.Foo is not allowed"},
	{"user_class_p1", "63636f70795f7265670a5f7265636f6e7374727563746f720a710028636170702e6d6f64656c730a466f6f0a7101635f5f6275696c74696e5f5f0a6f626a6563740a71024e7471035271047d710558010000007871064b0173622e", "class app.models.Foo is not allowed"},
	{"ordered_dict_p4", "80049529000000000000008c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0161944b01732e", "class collections.OrderedDict is not allowed"},
	{"ordered_dict_p2", "800263636f6c6c656374696f6e730a4f726465726564446963740a71002952710158010000006171024b01732e", "class collections.OrderedDict is not allowed"},
	{"timedelta_p4", "80049524000000000000008c086461746574696d65948c0974696d6564656c74619493944b014b004b00879452942e", "timedelta is only supported as a timezone offset"},
	{"timezone_p4", "80049537000000000000008c086461746574696d65948c0874696d657a6f6e6594939468008c0974696d6564656c74619493944b004b004b0087945294859452942e", "timezone is only supported as the tzinfo"},
	{"class_object_p4", "80049519000000000000008c086461746574696d65948c086461746574696d659493942e", "class datetime.datetime itself cannot be a cached value"},
	{"object_class_p4", "80049517000000000000008c086275696c74696e73948c066f626a6563749493942e", "class builtins.object is not allowed"},
	{"complex_p4", "8004952e000000000000008c086275696c74696e73948c07636f6d706c6578949394473ff0000000000000474000000000000000869452942e", "class builtins.complex is not allowed"},
	{"range_p4", "80049520000000000000008c086275696c74696e73948c0572616e67659493944b004b034b01879452942e", "class builtins.range is not allowed"},
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func rep(b []byte, n int) []byte { return bytes.Repeat(b, n) }

// expSharing builds a pickle of 40 nested lists, each holding its child
// twice through the memo: 200 bytes that denote 2^40 values.
func expSharing() []byte {
	p := []byte{0x80, 0x02, ']', 'q', 0}
	for i := 1; i <= 40; i++ {
		p = append(p, '(', 'h', byte(i-1), 'h', byte(i-1), 'l', 'q', byte(i))
	}
	return append(p, '.')
}

type hostileCase struct {
	name string
	data []byte
	want string
}

func hostileCases(t testing.TB) []hostileCase {
	dictNested := mustHex(t, "80049526000000000000007d948c0475736572947d94288c046e616d65948c05416c696365948c03616765944b1e75732e")
	return []hostileCase{
		{"binbytes8 4GiB in 12 bytes", mustHex(t, "80048e00000000010000002e"), "declares 4294967296 bytes but only 1 remain"},
		{"binunicode8 2^63", mustHex(t, "80048dffffffffffffff7f2e"), "declares"},
		{"binunicode8 2^64-1", mustHex(t, "80048dffffffffffffffff2e"), "declares"},
		{"binunicode 4GiB", mustHex(t, "800458ffffffff2e"), "declares 4294967295 bytes"},
		{"binbytes 4GiB", mustHex(t, "800342ffffffff2e"), "declares"},
		{"bytearray8 huge", mustHex(t, "800596ffffffffffffff002e"), "declares"},
		{"binstring negative", mustHex(t, "800254ffffffff2e"), "negative length"},
		{"long4 negative", mustHex(t, "80028bffffffff2e"), "negative length"},
		{"long4 huge", mustHex(t, "80028b0000ff002e"), "exceeds the limit"},
		{"long1 empty", mustHex(t, "80028a002e"), "empty payload"},
		{"text long 10000 digits", cat([]byte("L"), rep([]byte("9"), 10000), []byte("L\n.")), "exceeds the limit of 4300 digits"},
		{"frame huge", mustHex(t, "8004950000000000000001"), "FRAME at offset 2 declares"},
		{"frame in frame", mustHex(t, "800495090000000000000095000000000000000000"), "inside another frame"},
		{"arg crosses frame", mustHex(t, "800495020000000000000058010000004e2e"), "crosses the end of its frame"},
		{"deep MARK 100k", cat([]byte{0x80, 4}, rep([]byte("("), 100000), []byte("N.")), "nesting deeper than 512"},
		{"deep APPEND nesting 100k", cat([]byte{0x80, 4}, rep([]byte("]"), 100000), rep([]byte("a"), 99999), []byte(".")), "decoding budget"},
		{"self-referencing list", mustHex(t, "80045d946800612e"), "nested deeper than 512"},
		{"exponential sharing", expSharing(), "decoding budget"},
		{"truncated", dictNested[:len(dictNested)/2], "declares"},
		{"truncated no STOP", mustHex(t, "80044e"), "no STOP"},
		{"only PROTO", mustHex(t, "8004"), "no STOP"},
		{"empty", nil, "empty input"},
		{"trailing byte", cat(dictNested, []byte("N")), "1 trailing bytes after STOP"},
		{"two STOPs", mustHex(t, "80044e2e4e2e"), "trailing bytes"},
		{"unknown opcode 0xff", mustHex(t, "8004ff2e"), "unknown opcode 0xff"},
		{"unknown opcode Z", []byte("Z."), "unknown opcode 0x5a"},
		{"unknown opcode 0x99", mustHex(t, "8005992e"), "unknown opcode 0x99"},
		{"protocol 6", mustHex(t, "80064e2e"), "unsupported protocol 6"},
		{"STOP on empty stack", mustHex(t, "80042e"), "stack underflow"},
		{"memo slot never written", mustHex(t, "800468052e"), "memo slot 5"},
		{"long memo slot never written", mustHex(t, "80046a000000012e"), "memo slot 16777216"},
		{"text GET unwritten", []byte("g7\n."), "memo slot 7"},
		{"unterminated line", []byte("I12"), "not terminated"},
		{"APPENDS without MARK", mustHex(t, "80045d652e"), "no MARK"},
		{"persistent id", []byte("P1\n."), "PERSID at offset 0 is not supported"},
		{"ext1", mustHex(t, "8002820a2e"), "EXT1"},
		{"next buffer", mustHex(t, "8005972e"), "NEXT_BUFFER"},
		{"GLOBAL os.system", []byte("cos\nsystem\n(S'id'\ntR."), "class os.system is not allowed"},
		{"INST subprocess", []byte("(S'id'\nisubprocess\ncall\n."), "class subprocess.call is not allowed"},
		{"GLOBAL OrderedDict", []byte("ccollections\nOrderedDict\n)R."), "class collections.OrderedDict is not allowed"},
		{"protocol 0 unicode escape", []byte("V\\u20ac\n."), "escape sequences"},
		{"protocol 0 unicode raw latin-1", []byte("V\xe9\n."), "raw non-ASCII"},
		{"protocol 0 string escape", []byte("S'a\\x00'\n."), "escape sequences"},
		{"set of bytes (gopickle hashes set members)", mustHex(t, "80048f28430161902e"), "unhashable"},
		{"dict with tuple key", mustHex(t, "80047d944b014b0286944b03732e"), "cannot be a Go map key"},
		{"dict with odd items", mustHex(t, "8002284b01642e"), "odd number of items"},
		{"REDUCE non-callable", mustHex(t, "80044b0129522e"), "REDUCE requires a Callable"},
		{"datetime month 13", mustHex(t, "80048c086461746574696d65948c086461746574696d659493430a07e90d010c00000000008552 2e"), "invalid date"},
		{"date bad state", mustHex(t, "80048c086461746574696d658c04646174659343020101 85 52 2e"), "state must be 4 bytes"},
		{"decimal bad text", mustHex(t, "80048c07646563696d616c8c07446563696d616c938c036162638552942e"), `invalid decimal "abc"`},
		{"uuid without state", mustHex(t, "80048c04757569648c0455554944932981942e"), "uuid.UUID without state"},
		{"uuid int too big", mustHex(t, "80048c04757569648c04555549449329817d8c03696e748a1100000000000000000000000000000000017362942e"), "128-bit"},
		{"timezone with offset 24h", mustHex(t, "80048c086461746574696d658c086461746574696d6593430a07e901010c00000000008c086461746574696d658c0874696d657a6f6e65938c086461746574696d658c0974696d6564656c746193 4b014b004b00 87 52 85 52 86 52 2e"), "strictly between"},
		{"codecs.encode utf-8", mustHex(t, "80048c075f636f646563738c06656e636f6465938c0161 8c057574662d38 86522e"), `encoding "utf-8" is not supported`},
	}
}

// TestHostile: every case is an error, and decoding it allocates little
// (the 4 GiB declarations would otherwise take the process down).
func TestHostile(t *testing.T) {
	var cases []hostileCase
	for _, h := range pythonHostile {
		cases = append(cases, hostileCase{h.name, mustHex(t, h.hex), h.want})
	}
	cases = append(cases, hostileCases(t)...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ms0, ms1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms0)
			var v any
			err := Codec().Unmarshal(c.data, &v)
			runtime.ReadMemStats(&ms1)
			if err == nil {
				t.Fatalf("decoded %#v, want an error containing %q", v, c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to contain %q", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "pickle: ") {
				t.Errorf("error %q lacks the pickle: prefix", err)
			}
			limit := uint64(4<<20 + 256*len(c.data))
			alloc := ms1.TotalAlloc - ms0.TotalAlloc
			if alloc > limit {
				t.Errorf("allocated %d bytes for %d input bytes (limit %d)", alloc, len(c.data), limit)
			}
			t.Logf("%d input bytes, %d bytes allocated: %v", len(c.data), alloc, err)
		})
	}
}

func TestNotAllowedError(t *testing.T) {
	for _, h := range pythonHostile[:14] {
		var v any
		err := Codec().Unmarshal(mustHex(t, h.hex), &v)
		var na *NotAllowedError
		if !errors.Is(err, ErrNotAllowed) || !errors.As(err, &na) {
			t.Errorf("%s: %v is not a NotAllowedError", h.name, err)
		}
	}
}

func TestCheckAcceptsVectorsAndDepth(t *testing.T) {
	var f struct{ Cases []vectorCase }
	readJSON(t, "pickle_plain.json", &f)
	for _, c := range f.Cases {
		for _, h := range []string{c.Hex, c.Proto5, c.Proto2} {
			if err := Check(mustHex(t, h), 0); err != nil {
				t.Errorf("%s: %v", c.Name, err)
			}
		}
	}
	nested := cat([]byte{0x80, 4}, rep([]byte("("), 3), []byte("N"), rep([]byte("t"), 3), []byte("."))
	if err := Check(nested, 3); err != nil {
		t.Error(err)
	}
	if err := Check(nested, 2); err == nil || !strings.Contains(err.Error(), "nesting deeper than 2") {
		t.Error(err)
	}
	atLimit := cat([]byte{0x80, 4}, rep([]byte("("), MaxDepth), []byte("N"), rep([]byte("t"), MaxDepth), []byte("."))
	if err := Check(atLimit, 0); err != nil {
		t.Error(err)
	}
	var v any
	if err := Codec().Unmarshal(atLimit, &v); err != nil {
		t.Errorf("%d nested tuples: %v", MaxDepth, err)
	}
}

func TestCheckAllocatesNothingProportional(t *testing.T) {
	big := mustHex(t, "80048e00000000010000002e")
	allocs := testing.AllocsPerRun(100, func() { _ = Check(big, 0) })
	if allocs > 10 {
		t.Errorf("%v allocations", allocs)
	}
	data, _ := Codec().Marshal(map[string]any{"a": []any{1, 2, "x"}})
	if allocs := testing.AllocsPerRun(100, func() { _ = Check(data, 0) }); allocs > 10 {
		t.Errorf("valid pickle: %v allocations", allocs)
	}
}

var _ = hex.EncodeToString

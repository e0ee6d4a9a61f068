package pickle

import (
	"bytes"
	"flag"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/internal/fuzzcorpus"
)

// FuzzPickle: no input may panic, hang or exhaust memory; whatever decodes
// and re-encodes must decode again to an equal tree. The committed seeds in
// testdata/fuzz/FuzzPickle are the vectors, Go-written values and the hostile
// inputs of hostile_test.go.
func FuzzPickle(f *testing.F) {
	f.Add([]byte("\x80\x04N."))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if err := Codec().Unmarshal(data, &v); err != nil {
			return
		}
		out, err := Codec().Marshal(v)
		if err != nil {
			return // e.g. invalid UTF-8 str, integers beyond Python's 4300 digits
		}
		var w any
		if err := Codec().Unmarshal(out, &w); err != nil {
			t.Fatalf("re-encoded value does not decode: %v\nvalue %#v", err, v)
		}
		if !equalTree(v, w) {
			t.Fatalf("round trip changed the value:\n %#v\n %#v", v, w)
		}
	})
}

// FuzzCheckPickle holds Check and the decoding after it to the budget
// (issue 11): whatever the input, Unmarshal into any or into a struct of
// large elements either fails or allocates at most 64× the input + 1 MiB
// (codec.Budget), the promise SECURITY.md states. Its seeds are
// FuzzPickle's.
func FuzzCheckPickle(f *testing.F) {
	f.Add([]byte("\x80\x04N."))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, dst := range []func() any{
			func() any { return new(any) },
			func() any { return new([]largeElem) },
			func() any { return new(map[string][]largeElem) },
		} {
			d := dst()
			var before, after goruntime.MemStats
			goruntime.ReadMemStats(&before)
			err := Codec().Unmarshal(data, d)
			goruntime.ReadMemStats(&after)
			if alloc, limit := after.TotalAlloc-before.TotalAlloc, uint64(64*len(data)+1<<20); alloc > limit {
				t.Fatalf("decoding %d bytes into %T allocated %d (budget %d; err %v)", len(data), d, alloc, limit, err)
			}
		}
	})
}

// largeElem is far larger than its shortest pickle (None).
type largeElem struct {
	Pad [256]byte
	S   []largeElem
}

// updateSeeds rewrites the committed seed corpus instead of checking it;
// go generate passes it.
var updateSeeds = flag.Bool("update", false, "rewrite testdata/fuzz/FuzzPickle from the current seeds")

//go:generate go test -run ^TestFuzzSeeds$ -update

// seedPrefixes are the name prefixes of the seeds TestFuzzSeeds writes;
// other files in the corpus are inputs the fuzzer found.
var seedPrefixes = []string{"vector_", "crypt_", "go_", "hostile_"}

// TestFuzzSeeds checks that testdata/fuzz/FuzzPickle (which every go test
// runs, and `go test -fuzz` starts from) holds exactly the current seeds:
// the vectors, Go-written values and the hostile inputs of hostile_test.go.
// `go generate ./runtime/internal/pickle` rewrites it.
func TestFuzzSeeds(t *testing.T) {
	want := map[string][]byte{}
	write := func(name string, data []byte) {
		name = strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
				return r
			}
			return '_'
		}, name)
		want[name] = data
	}
	var plain struct{ Cases []vectorCase }
	readJSON(t, "pickle_plain.json", &plain)
	for _, c := range plain.Cases {
		write("vector_"+c.Name+"_p4", mustHex(t, c.Hex))
		write("vector_"+c.Name+"_p2", mustHex(t, c.Proto2))
	}
	var crypt struct {
		Cases []struct {
			Name string `json:"name"`
			Hex  string `json:"pickle_hex"`
		}
	}
	readJSON(t, "cryptredis_pickle.json", &crypt)
	for _, c := range crypt.Cases {
		write("crypt_"+c.Name, mustHex(t, c.Hex))
	}
	for _, c := range roundTrips() {
		if c.name == "long string" {
			continue
		}
		data, err := Codec().Marshal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		write("go_"+c.name, data)
	}
	data, err := Codec().Marshal(sampleAccount())
	if err != nil {
		t.Fatal(err)
	}
	write("go_account", data)
	for _, h := range pythonHostile {
		write("hostile_"+h.name, mustHex(t, h.hex))
	}
	for _, h := range hostileCases(t) {
		if len(h.data) > 20000 {
			continue
		}
		write("hostile_"+h.name, h.data)
	}
	write("hostile_deep_MARK_600", append(append([]byte{0x80, 4}, bytes.Repeat([]byte("("), 600)...), 'N', '.'))
	write("hostile_deep_APPEND_600", append(append(append([]byte{0x80, 4}, bytes.Repeat([]byte("]"), 600)...), bytes.Repeat([]byte("a"), 599)...), '.'))
	for _, target := range []string{"FuzzPickle", "FuzzCheckPickle"} {
		fuzzcorpus.Check(t, fuzzcorpus.Corpus{
			Dir:  filepath.Join("testdata", "fuzz", target),
			Want: want,
			Owned: func(name string) bool {
				return slices.ContainsFunc(seedPrefixes, func(p string) bool { return strings.HasPrefix(name, p) })
			},
			// Go writes a struct's fields in map order, so a Go-written seed
			// may differ in bytes from run to run but not in value.
			Same: func(committed, want []byte) bool {
				if bytes.Equal(committed, want) {
					return true
				}
				var a, b any
				return Codec().Unmarshal(committed, &a) == nil && Codec().Unmarshal(want, &b) == nil && equalTree(a, b)
			},
			Regenerate: "go generate ./runtime/internal/pickle",
		}, *updateSeeds)
	}
}

package codec

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/internal/fuzzcorpus"
	"github.com/cachegen/cachegen/runtime/internal/pyval"
	"github.com/google/uuid"
)

// fuzzStruct has a field of every kind the decoders treat specially.
type fuzzStruct struct {
	ID     int64
	U8     uint8
	F      float32
	S      string
	B      []byte
	Arr    [2]int
	When   time.Time
	WhenP  *time.Time
	On     pyval.Date
	Amount pyval.Decimal
	Ref    uuid.UUID
	Any    any
	Map    map[string]any
	IntMap map[int]string
	List   []fuzzStruct
	Ptr    *fuzzStruct
	Embedded
}

// fuzzCodec checks the properties every codec has on arbitrary input:
// Unmarshal never panics (into any, the 7-field struct and fuzzStruct), and a
// value decoded into any that Marshal accepts decodes again.
func fuzzCodec(t *testing.T, c Codec, data []byte) {
	var v any
	if err := c.Unmarshal(data, &v); err == nil {
		// A decoder never accepts what its encoder cannot write (the near
		// cache copies values by re-encoding them).
		b, err := c.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %x decodes to %#v, which does not encode: %v", c.Name(), data, v, err)
		}
		var again any
		if err := c.Unmarshal(b, &again); err != nil {
			t.Fatalf("%s: re-decoding %x (from %x): %v", c.Name(), b, data, err)
		}
	}
	var u user
	_ = c.Unmarshal(data, &u)
	var s fuzzStruct
	_ = c.Unmarshal(data, &s)
	var ms []map[string]string
	_ = c.Unmarshal(data, &ms)
}

func FuzzMsgpack(f *testing.F) {
	for _, s := range msgpackSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCodec(t, Msgpack(), data) })
}

func FuzzRickMsgpack(f *testing.F) {
	for _, s := range msgpackSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCodec(t, RickMsgpack(), data) })
}

func FuzzJSON(f *testing.F) {
	for _, s := range jsonSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzCodec(t, JSON(), data) })
}

func FuzzGob(f *testing.F) {
	for _, s := range gobSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Unauthenticated bytes are never decoded: encoding/gob is not
		// hardened (a few bytes make it die with a fatal error), so only
		// the crypt layer's verified plaintext reaches it.
		var u user
		if err := Gob().Unmarshal(data, &u); !errors.Is(err, ErrGobUnauthenticated) || u.ID != 0 || u.Email != "" || u.Tags != nil {
			t.Fatalf("Unmarshal(%x) = %v, %+v; want ErrGobUnauthenticated", data, err, u)
		}
	})
}

// largeElem is far larger than its shortest encoding (an empty map).
type largeElem struct {
	Pad [512]byte
	N   *big.Int
	L   []largeElem
}

// budgetDsts are the destinations the budget fuzzers decode into: `any`,
// elements far larger than their encoding, maps of them, big numbers.
func budgetDsts() []func() any {
	return []func() any{
		func() any { return new(any) },
		func() any { return new([]largeElem) },
		func() any { return new(map[string]largeElem) },
		func() any { return new(fuzzStruct) },
	}
}

// withinBudget decodes data with c into every budgetDsts destination and
// fails when one allocates more than codec.Budget (64× + 1 MiB): the
// promise of the package doc, for any input.
func withinBudget(t *testing.T, c Codec, data []byte) {
	for _, mk := range budgetDsts() {
		d := mk()
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		err := c.Unmarshal(data, d)
		goruntime.ReadMemStats(&after)
		if alloc := int64(after.TotalAlloc - before.TotalAlloc); alloc > Budget(len(data)) {
			t.Fatalf("%s: decoding %d bytes into %T allocated %d (budget %d; err %v)", c.Name(), len(data), d, alloc, Budget(len(data)), err)
		}
	}
}

// FuzzCheckMsgpack holds CheckMsgpack, the ext-payload guard and the
// type-directed cost walk (and rick-msgpack's own charging) to the budget.
func FuzzCheckMsgpack(f *testing.F) {
	for _, s := range msgpackSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		withinBudget(t, Msgpack(), data)
		withinBudget(t, RickMsgpack(), data)
	})
}

// FuzzCheckJSON holds the JSON nesting scan and cost walk to the budget.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range jsonSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { withinBudget(t, JSON(), data) })
}

func sampleValues() []any {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("", -5*3600)
	}
	when := time.Date(2025, 11, 6, 14, 30, 45, 123456000, ny)
	return []any{
		nil, true, int64(-33), uint64(1 << 63), 3.5, "str", []byte{0, 1},
		[]any{int64(1), "two", 3.0, nil},
		map[string]any{"a": int64(1), "b": []any{int64(2)}},
		user{ID: 1, Email: "a@b", Name: "n", Age: 3, Active: true, Created: when, Tags: []string{"x"}},
		fuzzStruct{ID: 1, When: when, WhenP: &when, On: pyval.Date{Year: 2025, Month: 1, Day: 2},
			Amount: pyval.MustDecimal("1.5"), Ref: uuid.MustParse("12345678-1234-5678-1234-567812345678"),
			Any: []any{"x"}, Map: map[string]any{"k": 1.5}, IntMap: map[int]string{1: "a"},
			List: []fuzzStruct{{S: "inner"}}},
	}
}

// small keeps seeds small: the 100k-deep hostile inputs stay in the unit
// tests, where they run once, not on every fuzz iteration.
func small(inputs map[string][]byte) [][]byte {
	var out [][]byte
	for _, in := range inputs {
		if len(in) <= 4096 {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, bytes.Compare)
	return out
}

func msgpackSeeds(tb testing.TB) [][]byte {
	seeds := small(hostileMsgpack)
	var vec msgpackVectors
	loadVectors(tb, "msgpack_rick.json", &vec)
	for _, c := range vec.Cases {
		seeds = append(seeds, unhex(tb, c.PackbHex))
	}
	for _, c := range vec.DecodeOnly {
		seeds = append(seeds, unhex(tb, c.BytesHex))
	}
	for _, v := range sampleValues() {
		for _, c := range []Codec{Msgpack(), RickMsgpack()} {
			if b, err := c.Marshal(v); err == nil {
				seeds = append(seeds, b)
			}
		}
	}
	return seeds
}

func jsonSeeds(tb testing.TB) [][]byte {
	seeds := small(hostileJSON)
	var vec jsonVectors
	loadVectors(tb, "json_rick.json", &vec)
	for _, c := range vec.Cases {
		seeds = append(seeds, unhex(tb, c.JSONHex))
	}
	for _, v := range sampleValues() {
		if b, err := json.Marshal(v); err == nil {
			seeds = append(seeds, b)
		}
	}
	return append(seeds, []byte(`{"ID": 12345678901234567890123, "Any": [1e400, -0, 0.5]}`))
}

func gobSeeds(tb testing.TB) [][]byte {
	seeds := small(hostileGob)
	for _, v := range []any{user{ID: 1, Tags: []string{"a"}, Created: time.Unix(1, 0)}, map[string][]int{"a": {1}}, "s", int64(3)} {
		if b, err := Gob().Marshal(v); err == nil {
			seeds = append(seeds, b)
		}
	}
	return seeds
}

// updateCorpus rewrites the committed seed corpora instead of checking
// them; go generate passes it.
var updateCorpus = flag.Bool("update", false, "rewrite testdata/fuzz from the current seeds")

//go:generate go test -run ^TestFuzzCorpus$ -update

// TestFuzzCorpus checks that the committed seed corpora under
// testdata/fuzz/<Name>/ (which every go test runs, and `go test -fuzz`
// starts from elsewhere) are exactly the current seeds, named by their
// hash; `go generate ./runtime/internal/codec` rewrites them.
func TestFuzzCorpus(t *testing.T) {
	for name, seeds := range map[string][][]byte{
		"FuzzMsgpack":      msgpackSeeds(t),
		"FuzzRickMsgpack":  msgpackSeeds(t),
		"FuzzJSON":         jsonSeeds(t),
		"FuzzCheckMsgpack": msgpackSeeds(t),
		"FuzzCheckJSON":    jsonSeeds(t),
		"FuzzGob":          gobSeeds(t),
	} {
		want := map[string][]byte{}
		for _, s := range seeds {
			want[fmt.Sprintf("seed-%x", sha256.Sum256(s))[:21]] = s
		}
		fuzzcorpus.Check(t, fuzzcorpus.Corpus{
			Dir:        filepath.Join("testdata", "fuzz", name),
			Want:       want,
			Owned:      func(name string) bool { return strings.HasPrefix(name, "seed-") },
			Regenerate: "go generate ./runtime/internal/codec",
		}, *updateCorpus)
	}
}

package runtime_test

// The hostile-bytes suite (issue 11, SECURITY.md "Bounded decoding"): values
// written under a cache's key by someone with write access to Redis, each
// read once with Get through the public API, in a child process limited to
// 4 GiB of address space (ulimit -v) so that a fatal error — which no
// recover catches — fails its case instead of the run. A case passes when
// Get returns ErrDecode (or, where marked, a correct value), allocating at
// most 64× the stored value's length + 1 MiB (codec.Budget) and using at
// most 1 s of CPU. Cases are grouped by attack class, per codec.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/internal/codec"
	"github.com/cachegen/cachegen/runtime/internal/fastbench"
)

// hostileCase is one stored value, the cache that reads it and the
// destination it is read into.
type hostileCase struct {
	class, name string
	codec       string // annotation name; gob is read through a crypt cache
	crypt       bool
	dst         string // key of hostileDsts
	value       bool   // a correct value is acceptable (else ErrDecode is required)
	data        func() []byte
}

// Big is a destination whose elements are large: one byte of input per
// element must not become a KiB of allocation.
type Big struct {
	Pad [1024]byte
	N   int
}

var hostileDsts = map[string]func() any{
	"struct": func() any { return new(Target) },
	"any":    func() any { return new(any) },
	"bigs":   func() any { return new([]Big) },
	"bigmap": func() any { return new(map[string]Big) },
	"bignum": func() any {
		return new(struct {
			N *big.Int
			F *big.Float
		})
	},
	"maps":      func() any { return new([]map[string]any) },
	"generated": func() any { return nil }, // the generated cache's own *User
}

func (c hostileCase) id() string { return c.codec + "/" + c.class + "/" + c.name + "→" + c.dst }

// ---- byte builders ----

func rep(b []byte, n int) []byte { return bytes.Repeat(b, n) }

func join(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func be32(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }

func le32(n int) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(n)) }

// mpArray and mpMap are msgpack array32/map32 headers; mpStr a str32.
func mpArray(n int) []byte { return append([]byte{0xdd}, be32(n)...) }
func mpMap(n int) []byte   { return append([]byte{0xdf}, be32(n)...) }
func mpStr(s string) []byte {
	return join([]byte{0xdb}, be32(len(s)), []byte(s))
}

// Pickle protocol 4 pieces.
func p4(ops ...[]byte) []byte {
	return join(append(append([][]byte{{0x80, 4}}, ops...), []byte("."))...)
}
func pStr(s string) []byte {
	if len(s) < 256 {
		return join([]byte{0x8c, byte(len(s))}, []byte(s))
	}
	return join([]byte{'X'}, le32(len(s)), []byte(s))
}
func pBytes(n int) []byte { return join([]byte{'B'}, le32(n), make([]byte, n)) }
func pGlobal(module, name string) []byte {
	return join(pStr(module), pStr(name), []byte{0x93})
}
func pGet(i int) []byte { return append([]byte{'j'}, le32(i)...) }
func pInt(i int) []byte { return append([]byte{'J'}, le32(i)...) }
func pMemo() []byte     { return []byte{0x94} }
func pCall1() []byte    { return []byte{0x85, 'R'} } // TUPLE1 REDUCE
func pListOf(n int, item func(i int) []byte) []byte {
	var b bytes.Buffer
	b.WriteString("](")
	for i := range n {
		b.Write(item(i))
	}
	b.WriteByte('e')
	return b.Bytes()
}

// hostileCases is the campaign. Sizes are chosen so that the unguarded
// decoders of before issue 11 fail each case (fatal out-of-memory, or far
// over budget or time).
func hostileCases() []hostileCase {
	var cs []hostileCase
	add := func(codec, class, name, dst string, data func() []byte) {
		cs = append(cs, hostileCase{class: class, name: name, codec: codec, dst: dst, data: data})
	}
	addV := func(codec, class, name, dst string, data func() []byte) {
		cs = append(cs, hostileCase{class: class, name: name, codec: codec, dst: dst, data: data, value: true})
	}
	for _, mp := range []string{"msgpack", "rick-msgpack"} {
		for _, dst := range []string{"struct", "any", "bigs"} {
			add(mp, "declared length", "array32 4G", dst, func() []byte { return mpArray(-1) })
			add(mp, "declared length", "map32 4G", dst, func() []byte { return mpMap(-1) })
			add(mp, "declared length", "str32 4G", dst, func() []byte { return []byte{0xdb, 0xff, 0xff, 0xff, 0xff} })
			add(mp, "declared length", "bin32 4G", dst, func() []byte { return []byte{0xc6, 0xff, 0xff, 0xff, 0xff} })
			add(mp, "declared length", "ext32 4G", dst, func() []byte { return []byte{0xc9, 0xff, 0xff, 0xff, 0xff, 1} })
			add(mp, "nesting", "100k arrays", dst, func() []byte { return append(rep([]byte{0x91}, 100_000), 0xc0) })
			add(mp, "nesting", "100k maps", dst, func() []byte { return append(rep([]byte{0x81, 0xa0}, 100_000), 0xc0) })
			add(mp, "ext payload", "map in ext8", dst, func() []byte { return []byte{0xc7, 0x07, 0x00, 0x81, 0xa0, 0xdd, 0xff, 0xff, 0xff, 0xff} })
			add(mp, "ext payload", "map in fixext16", dst, func() []byte {
				return join([]byte{0xd8, 0x00, 0x81, 0xa1, 'k', 0xdd, 0xff, 0xff, 0xff, 0xff}, make([]byte, 8))
			})
			add(mp, "ext payload", "field map in ext", dst, func() []byte {
				return join([]byte{0x81, 0xa4}, []byte("Tags"), []byte{0xc7, 0x07, 0x00, 0x81, 0xa0, 0xdd, 0xff, 0xff, 0xff, 0xff})
			})
		}
		add(mp, "ext payload", "map in ext into map", "bigmap", func() []byte { return []byte{0xc7, 0x07, 0x00, 0x81, 0xa0, 0xdd, 0xff, 0xff, 0xff, 0xff} })
		add(mp, "per element", "1M empty maps into []Big", "bigs", func() []byte { return append(mpArray(1<<20), rep([]byte{0x80}, 1<<20)...) })
		add(mp, "per element", "1M nils into []Big", "bigs", func() []byte { return append(mpArray(1<<20), rep([]byte{0xc0}, 1<<20)...) })
		addV(mp, "per element", "1M empty maps into any", "any", func() []byte { return append(mpArray(1<<20), rep([]byte{0x80}, 1<<20)...) })
		addV(mp, "per element", "1M empty arrays into any", "any", func() []byte { return append(mpArray(1<<20), rep([]byte{0x90}, 1<<20)...) })
		add(mp, "per element", "500k entries into map[string]Big", "bigmap", func() []byte {
			var b bytes.Buffer
			b.Write(mpMap(500_000))
			for i := range 500_000 {
				b.WriteByte(0xa4)
				b.Write(be32(i))
				b.WriteByte(0x80)
			}
			return b.Bytes()
		})
		addV(mp, "per element", "int first keys", "any", func() []byte {
			return append(mpArray(300_000), rep([]byte{0x81, 0x01, 0xc0}, 300_000)...)
		})
		add(mp, "big numbers", "2M-digit *big.Int", "bignum", func() []byte {
			return join([]byte{0x81, 0xa1, 'N'}, mpStr(strings.Repeat("9", 2_000_000)))
		})
		add(mp, "big numbers", "2M-digit *big.Float", "bignum", func() []byte {
			return join([]byte{0x81, 0xa1, 'F'}, mpStr("1."+strings.Repeat("9", 2_000_000)))
		})
	}
	add("rick-msgpack", "encoder refuses", "timestamp in year 10000+", "any", func() []byte {
		return join([]byte{0xc7, 12, 0xff}, make([]byte, 4), binary.BigEndian.AppendUint64(nil, 300_000_000_000))
	})
	add("rick-msgpack", "encoder refuses", "str not UTF-8", "any", func() []byte { return []byte{0xa2, 0xff, 0xfe} })

	// json
	for _, dst := range []string{"struct", "any", "bigs"} {
		add("json", "nesting", "100k arrays", dst, func() []byte { return rep([]byte{'['}, 100_000) })
		add("json", "nesting", "100k objects", dst, func() []byte { return rep([]byte(`{"a":`), 100_000) })
	}
	add("json", "per element", "300k {} into []Big", "bigs", func() []byte {
		return join([]byte("["), bytes.TrimSuffix(rep([]byte("{},"), 300_000), []byte(",")), []byte("]"))
	})
	add("json", "per element", "300k nulls into []Big", "bigs", func() []byte {
		return join([]byte("["), bytes.TrimSuffix(rep([]byte("0,"), 300_000), []byte(",")), []byte("]"))
	})
	addV("json", "per element", "300k {} into any", "any", func() []byte {
		return join([]byte("["), bytes.TrimSuffix(rep([]byte("{},"), 300_000), []byte(",")), []byte("]"))
	})
	add("json", "per element", "200k entries into map[string]Big", "bigmap", func() []byte {
		var b bytes.Buffer
		b.WriteByte('{')
		for i := range 200_000 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%d":{}`, i)
		}
		b.WriteByte('}')
		return b.Bytes()
	})
	add("json", "big numbers", "2M-digit *big.Int", "bignum", func() []byte {
		return join([]byte(`{"N":`), rep([]byte("9"), 2_000_000), []byte("}"))
	})
	add("json", "big numbers", "2M-digit number into any", "any", func() []byte { return rep([]byte("9"), 2_000_000) })
	add("json", "big numbers", "2M-digit *big.Float text", "bignum", func() []byte {
		return join([]byte(`{"F":"1.`), rep([]byte("9"), 2_000_000), []byte(`"}`))
	})
	add("json", "encoder refuses", "1e400", "any", func() []byte { return []byte(`[1e400]`) })

	// pickle
	for _, dst := range []string{"struct", "any"} {
		add("pickle", "declared length", "bytes 4GiB", dst, func() []byte { return []byte{0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, '.'} })
		add("pickle", "declared length", "str 4GiB", dst, func() []byte { return []byte{0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '.'} })
		add("pickle", "nesting", "100k MARKs", dst, func() []byte { return p4(rep([]byte("("), 100_000), []byte("N")) })
		add("pickle", "allow-list", "os.system", dst, func() []byte { return p4(pGlobal("posix", "system"), pStr("id"), pCall1()) })
		add("pickle", "allow-list", "OrderedDict via STACK_GLOBAL", dst, func() []byte {
			return p4(pGlobal("collections", "OrderedDict"), []byte(")R"))
		})
	}
	add("pickle", "load gadgets", "set(list of 100k) x1000", "any", func() []byte {
		return p4(pGlobal("builtins", "set"), pMemo(), pListOf(100_000, func(int) []byte { return []byte{'K', 0} }), pMemo(),
			pListOf(1000, func(int) []byte { return join(pGet(0), pGet(1), pCall1()) }))
	})
	add("pickle", "load gadgets", "bytearray(1 MB) x4000", "any", func() []byte {
		return p4(pGlobal("builtins", "bytearray"), pMemo(), pBytes(1<<20), pMemo(),
			pListOf(4000, func(int) []byte { return join(pGet(0), pGet(1), pCall1()) }))
	})
	add("pickle", "load gadgets", "_codecs.encode(1 MB) x2000", "any", func() []byte {
		return p4(pGlobal("_codecs", "encode"), pMemo(), pStr(strings.Repeat("a", 1<<20)), pMemo(), pStr("latin1"), pMemo(),
			pListOf(2000, func(int) []byte { return join(pGet(0), pGet(1), pGet(2), []byte{0x86, 'R'}) }))
	})
	add("pickle", "load gadgets", "BUILD x8000 with a 50k-key state", "any", func() []byte {
		var state bytes.Buffer
		state.WriteString("}(")
		for i := range 50_000 {
			state.Write(pStr(strconv.Itoa(i)))
			state.Write([]byte{'K', 1})
		}
		state.WriteByte('u')
		return p4(state.Bytes(), pMemo(), []byte("0"), pGlobal("uuid", "UUID"), []byte(")\x81"),
			rep(join(pGet(0), []byte("b")), 8000))
	})
	add("pickle", "load gadgets", "Decimal(100k digits) x4000", "any", func() []byte {
		return p4(pGlobal("decimal", "Decimal"), pMemo(), pStr(strings.Repeat("7", 100_000)), pMemo(),
			pListOf(4000, func(int) []byte { return join(pGet(0), pGet(1), pCall1()) }))
	})
	add("pickle", "shared references", "1 MB bytes as 4096 dict keys", "any", func() []byte {
		var b bytes.Buffer
		b.WriteString("}(")
		b.Write(pBytes(1 << 20))
		b.Write(pMemo())
		b.Write(pInt(0))
		for i := 1; i < 4096; i++ {
			b.Write(pGet(0))
			b.Write(pInt(i))
		}
		b.WriteByte('u')
		return p4(b.Bytes())
	})
	add("pickle", "shared references", "1 MB bytes x4096 into [][]byte", "maps", func() []byte {
		return p4(pBytes(1<<20), pMemo(), []byte("0"), pListOf(4096, func(int) []byte { return pGet(0) }))
	})
	add("pickle", "shared references", "exponential list sharing", "any", func() []byte {
		var b bytes.Buffer
		b.WriteString("]")
		b.Write(pMemo())
		for i := 1; i < 60; i++ {
			b.WriteString("(")
			b.Write(pGet(i - 1))
			b.Write(pGet(i - 1))
			b.WriteString("l")
			b.Write(pMemo())
			b.WriteString("0")
		}
		b.Write(pGet(59))
		return p4(b.Bytes())
	})
	addV("pickle", "set sorting", "set of 65,536 ints", "any", func() []byte {
		return p4([]byte{0x8f, '('}, func() []byte {
			var b bytes.Buffer
			for i := range 1 << 16 {
				b.Write(pInt(i*7919 - 1<<20))
			}
			return b.Bytes()
		}(), []byte{0x90})
	})
	add("pickle", "per byte", "1M EMPTY_DICT", "any", func() []byte { return p4(pListOf(1, func(int) []byte { return rep([]byte("}"), 1<<20) })) })
	add("pickle", "per byte", "500k MARK+POP", "any", func() []byte { return p4(rep([]byte("(0"), 500_000), []byte("N")) })
	add("pickle", "per byte", "1M MEMOIZE", "any", func() []byte { return p4([]byte("N"), rep(pMemo(), 1<<20)) })
	add("pickle", "per element", "1M None into []Big", "bigs", func() []byte { return p4(pListOf(1, func(int) []byte { return rep([]byte("N"), 1<<20) })) })
	add("pickle", "big numbers", "LONG4 of 1 MB", "any", func() []byte { return p4(join([]byte{0x8b}, le32(1<<20), make([]byte, 1<<20))) })
	add("pickle", "encoder refuses", "str not UTF-8", "any", func() []byte { return p4([]byte{0x8c, 2, 0xff, 0xfe}) })

	// gob: refused unless authenticated; these are the crashers
	// (map count 2^30, a deeply recursive wire type) read by a plain gob
	// cache, and a crypt gob cache reading unauthenticated bytes.
	add("gob", "unauthenticated", "map count 2^30", "struct", func() []byte {
		return []byte{0x0e, 0xff, 0x81, 0x04, 0x01, 0x02, 0xff, 0x82, 0x00, 0x01, 0x0c, 0x01, 0x04, 0x00, 0x00, 0x0a, 0xff, 0x82, 0x00, 0xfc, 0x40, 0x00, 0x00, 0x00}
	})
	add("gob", "unauthenticated", "5M nested wire types", "struct", func() []byte {
		return join(rep([]byte{0x07, 0xff, 0x81, 0x03, 0x01, 0x02, 0xff, 0x82}, 1<<16))
	})
	cs = append(cs, hostileCase{class: "unauthenticated", name: "raw gob under crypt", codec: "gob", crypt: true, dst: "struct",
		data: func() []byte { b, _ := mustCodec("gob").Marshal(Target{ID: 1}); return b }})
	// fast: the generated codec=fast decoder (runtime/fastwire), read
	// through a generated cache (fastbench's UserCache, near cache on).
	add("fast", "declared length", "Tags count 2^40", "generated", func() []byte {
		return join([]byte{0xf1, 0x07}, binary.AppendUvarint(nil, 1<<40), []byte{0})
	})
	add("fast", "declared length", "string length 2^40", "generated", func() []byte {
		return join([]byte{0xf1, 0x02}, binary.AppendUvarint(nil, 1<<40), []byte{0})
	})
	addV("fast", "per element", "1M empty Tags", "generated", func() []byte {
		return join([]byte{0xf1, 0x07}, binary.AppendUvarint(nil, 1<<20+1), make([]byte, 1<<20), []byte{0})
	})
	add("fast", "malformed", "msgpack bytes", "generated", func() []byte { return []byte{0x81, 0xa2, 'I', 'D', 0x01} })
	cs = append(cs, hostileCase{class: "token", name: "16 MB of base64", codec: "msgpack", crypt: true, dst: "struct",
		data: func() []byte { return append([]byte("gYA"), rep([]byte("A"), 16<<20)...) }})
	return cs
}

const hostileChildEnv = "CACHEGEN_HOSTILE_CHILD"

// TestHostileBytes runs hostileCases in child processes under ulimit -v.
func TestHostileBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("the hostile-bytes campaign takes a minute; run without -short")
	}
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	cases := hostileCases()
	for i, c := range cases {
		if err := rdb.Set(ctx, hostileKey(rdb, c, i), c.data(), 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	bin := childBinary(t)
	results := map[int]string{}
	var maxCPU time.Duration
	for next := 0; next < len(cases); {
		cmd := exec.Command("/bin/sh", "-c", `ulimit -v 4194304 && exec "$0" -test.run='^TestHostileChild$' -test.count=1`, bin)
		cmd.Env = append(os.Environ(), hostileChildEnv+"="+srv.Addr+","+strconv.Itoa(next))
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		started := -1
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			f := strings.SplitN(sc.Text(), "\t", 5)
			switch {
			case len(f) == 2 && f[0] == "BEGIN":
				started, _ = strconv.Atoi(f[1])
			case len(f) == 5 && f[0] == "END":
				i, _ := strconv.Atoi(f[1])
				alloc, _ := strconv.ParseInt(f[2], 10, 64)
				cpu, _ := time.ParseDuration(f[3])
				maxCPU = max(maxCPU, cpu)
				results[i] = verdict(cases[i], srv, alloc, cpu, f[4])
				started = -1
				next = i + 1
			}
		}
		werr := cmd.Wait()
		if started >= 0 { // died inside a case: a fatal error, a crash
			tail := stderr.String()
			if len(tail) > 600 {
				tail = tail[:600]
			}
			results[started] = fmt.Sprintf("child died (%v): %s", werr, tail)
			next = started + 1
			continue
		}
		if werr != nil && next < len(cases) {
			t.Fatalf("child failed outside a case: %v\n%s", werr, stderr.String())
		}
	}
	byClass := map[string]int{}
	for i, c := range cases {
		byClass[c.codec+"/"+c.class]++
		if r := results[i]; r != "" {
			t.Errorf("%s: %s", c.id(), r)
		}
	}
	t.Logf("%d cases in %d classes, most CPU in one case: %v", len(cases), len(byClass), maxCPU)
}

// TestHostileHarness: a child that dies with a fatal error under ulimit -v
// is seen as dead inside its case (what fails a campaign case), not as a
// hung or passing run.
func TestHostileHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a child binary under -race")
	}
	cmd := exec.Command("/bin/sh", "-c", `ulimit -v 4194304 && exec "$0" -test.run='^TestHostileChild$' -test.count=1`, childBinary(t))
	cmd.Env = append(os.Environ(), hostileChildEnv+"=fatal")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err == nil || !strings.Contains(string(out), "BEGIN\t0") || strings.Contains(string(out), "END") {
		t.Fatalf("want a child that began case 0 and died: err %v, stdout %q", err, out)
	}
	if !strings.Contains(stderr.String(), "out of memory") {
		t.Fatalf("want a fatal out-of-memory, stderr: %.400s", stderr.String())
	}
}

// verdict returns "" for a passing case, else why it fails.
func verdict(c hostileCase, srv *redistest.Server, alloc int64, cpu time.Duration, errText string) string {
	n := len(c.data())
	var problems []string
	if limit := codec.Budget(n); alloc > limit {
		problems = append(problems, fmt.Sprintf("allocated %d bytes for %d input bytes (budget %d, %.0f×)", alloc, n, limit, float64(alloc)/float64(n)))
	}
	if cpu > time.Second {
		problems = append(problems, fmt.Sprintf("took %v of CPU", cpu))
	}
	switch {
	case errText == "ok" && !c.value:
		problems = append(problems, "decoded, want ErrDecode")
	case errText != "ok" && !strings.HasPrefix(errText, "ErrDecode"):
		problems = append(problems, "error is not ErrDecode: "+errText)
	}
	return strings.Join(problems, "; ")
}

// TestHostileChild is the child side: it reads the cases from index on and
// reports each one. It does nothing in an ordinary test run.
func TestHostileChild(t *testing.T) {
	env := os.Getenv(hostileChildEnv)
	if env == "" {
		return
	}
	if env == "fatal" {
		// TestHostileHarness: die the way the campaign's crashers did, with
		// a fatal out-of-memory that no recover catches.
		fmt.Printf("BEGIN\t0\n")
		os.Stdout.Sync()
		var keep [][]byte
		for {
			keep = append(keep, make([]byte, 1<<30))
			keep[len(keep)-1][0] = 1
		}
	}
	addr, from, _ := strings.Cut(env, ",")
	first, _ := strconv.Atoi(from)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	cases := hostileCases()
	for i := first; i < len(cases); i++ {
		c := cases[i]
		get := plainOrCrypt(rdb, c)
		dst := hostileDsts[c.dst]()
		fmt.Printf("BEGIN\t%d\n", i)
		os.Stdout.Sync()
		goruntime.GC()
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		cpu0 := cpuTime()
		err := get(hostileKey(rdb, c, i), dst)
		cpu := cpuTime() - cpu0
		goruntime.ReadMemStats(&after)
		res := "ok"
		switch {
		case errors.Is(err, runtime.ErrDecode):
			res = "ErrDecode: " + oneLine(err.Error())
		case err != nil:
			res = oneLine(err.Error())
		}
		fmt.Printf("END\t%d\t%d\t%v\t%s\n", i, after.TotalAlloc-before.TotalAlloc, cpu, res)
		os.Stdout.Sync()
	}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// hostileKey is where case i is stored: the generated cache's key for the
// fast cases, h:<i> otherwise.
func hostileKey(rdb *redis.Client, c hostileCase, i int) string {
	if c.codec == "fast" {
		uc, err := fastbench.NewUserCache(rdb)
		if err != nil {
			panic(err)
		}
		defer uc.Close()
		return uc.Key(int64(i))
	}
	return fmt.Sprintf("h:%d", i)
}

// plainOrCrypt returns the Get of the cache a case is read through.
func plainOrCrypt(rdb *redis.Client, c hostileCase) func(key string, dst any) error {
	if c.codec == "fast" {
		uc, err := fastbench.NewUserCache(rdb)
		if err != nil {
			panic(err)
		}
		return func(key string, dst any) error {
			id, _ := strconv.ParseInt(strings.Split(key, ":")[1], 10, 64)
			_, err := uc.Get(ctx, id)
			return err
		}
	}
	cdc := mustCodec(c.codec)
	if c.crypt {
		cc, err := runtime.NewCryptRedisCache(rdb, runtime.WithCodec(cdc), runtime.WithKeys(keyA))
		if err != nil {
			panic(err)
		}
		return func(key string, dst any) error { return cc.Get(ctx, key, dst) }
	}
	pc := runtime.NewRedisCache(rdb, runtime.WithCodec(cdc))
	return func(key string, dst any) error { return pc.Get(ctx, key, dst) }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childBinary is this test binary, unless it was built with the race
// detector, whose shadow memory cannot live under ulimit -v: then a plain
// build of the same tests.
func childBinary(t *testing.T) string {
	if !raceEnabled {
		return os.Args[0]
	}
	out := filepath.Join(t.TempDir(), "hostile.test")
	cmd := exec.Command("go", "test", "-c", "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the child without -race: %v\n%s", err, b)
	}
	return out
}

package engine

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// BenchmarkCryptCPU is the in-process part of BenchmarkCrypt: what a Get
// (open + decode) and a Set (seal) of a 1 KiB value cost with and without
// crypt, without the network round trip, whose jitter on a shared machine
// is larger than the difference being measured. `benchstat -col /crypt`
// shows what crypt adds.
func BenchmarkCryptCPU(b *testing.B) {
	b.Run("op=paired", benchCryptPaired)
	type blob struct{ Data string }
	v := &blob{Data: strings.Repeat("x", 1024)}
	for _, crypt := range []bool{false, true} {
		bs := newBase(nil, newConfig(nil))
		if crypt {
			ring, err := newKeyring([]string{strings.Repeat("a", 64)}, false)
			if err != nil {
				b.Fatal(err)
			}
			bs.cipher = ring
		}
		data, err := bs.seal(v)
		if err != nil {
			b.Fatal(err)
		}
		stored := string(data) // as go-redis hands a reply to getRaw
		b.Run(fmt.Sprint("op=get-1KiB/crypt=", crypt), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				plain, err := bs.open("k", stored)
				if err != nil {
					b.Fatal(err)
				}
				var out blob
				if err := bs.decode("k", plain, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprint("op=set-1KiB/crypt=", crypt), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bs.seal(v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchCryptPaired is BenchmarkCryptCPU's Get and Set, plain and crypt
// alternating in blocks of 64 operations within one loop, so that load on
// a shared machine falls on both sides alike: it reports what crypt adds
// per 1 KiB Get and Set (get-extra-ns/op, set-extra-ns/op).
func benchCryptPaired(b *testing.B) {
	type blob struct{ Data string }
	v := &blob{Data: strings.Repeat("x", 1024)}
	var bases [2]*base
	var stored [2]string
	for i, crypt := range []bool{false, true} {
		bs := newBase(nil, newConfig(nil))
		if crypt {
			ring, err := newKeyring([]string{strings.Repeat("a", 64)}, false)
			if err != nil {
				b.Fatal(err)
			}
			bs.cipher = ring
		}
		data, err := bs.seal(v)
		if err != nil {
			b.Fatal(err)
		}
		bases[i], stored[i] = bs, string(data)
	}
	const block = 64
	var get, set [2]time.Duration
	n := 0
	for b.Loop() {
		for k := range 2 {
			i := k
			if n%2 == 1 {
				i = 1 - k // ABBA
			}
			start := time.Now()
			for range block {
				plain, err := bases[i].open("k", stored[i])
				if err != nil {
					b.Fatal(err)
				}
				var out blob
				if err := bases[i].decode("k", plain, &out); err != nil {
					b.Fatal(err)
				}
			}
			get[i] += time.Since(start)
			start = time.Now()
			for range block {
				if _, err := bases[i].seal(v); err != nil {
					b.Fatal(err)
				}
			}
			set[i] += time.Since(start)
		}
		n++
	}
	ops := float64(n * block)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(get[0].Nanoseconds())/ops, "get-plain-ns/op")
	b.ReportMetric(float64((get[1]-get[0]).Nanoseconds())/ops, "get-extra-ns/op")
	b.ReportMetric(float64(set[0].Nanoseconds())/ops, "set-plain-ns/op")
	b.ReportMetric(float64((set[1]-set[0]).Nanoseconds())/ops, "set-extra-ns/op")
}

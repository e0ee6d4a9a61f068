package runtime

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkCryptCPU is the in-process part of BenchmarkCrypt: what a Get
// (open + decode) and a Set (seal) of a 1 KiB value cost with and without
// crypt, without the network round trip, whose jitter on a shared machine
// is larger than the difference being measured. `benchstat -col /crypt`
// shows what crypt adds.
func BenchmarkCryptCPU(b *testing.B) {
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

package fernet

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestB64TablesEveryByte puts every byte value at every position of a
// 32-byte block of valid characters: the assembly must decode the block iff
// the byte is in the url-safe alphabet, to encoding/base64's bytes, and
// write nothing past its 32 bytes of output.
func TestB64TablesEveryByte(t *testing.T) {
	if !useAVX2 {
		t.Skipf("no AVX2 path in this build/CPU (AVX2=%v): decodeURL uses encoding/base64 alone", cpu.X86.HasAVX2)
	}
	for c := range 256 {
		for p := range 32 {
			src := bytes.Repeat([]byte("Az9-_"), 7)[:32]
			src[p] = byte(c)
			dst := bytes.Repeat([]byte{0xee}, 40)
			got := decodeURLAVX2(&dst[0], &src[0], 1, b64)
			valid := strings.IndexByte(urlAlphabet, byte(c)) >= 0
			if got != 1 && valid || got != 0 && !valid {
				t.Fatalf("byte %#x at %d: %d blocks decoded, valid=%v", c, p, got, valid)
			}
			if !bytes.Equal(dst[32:], bytes.Repeat([]byte{0xee}, 8)) {
				t.Fatalf("byte %#x at %d: wrote past 32 bytes", c, p)
			}
			if valid {
				want, err := base64.URLEncoding.DecodeString(string(src))
				if err != nil || !bytes.Equal(dst[:24], want) {
					t.Fatalf("byte %#x at %d: %x, want %x (%v)", c, p, dst[:24], want, err)
				}
			}
		}
	}
}

// TestDecodeURLUsesAVX2 fails where the fast path would silently not be
// taken on this amd64: the blocks of a 1 KiB value's token are decoded by
// the assembly, all but the last (which holds the padding).
func TestDecodeURLUsesAVX2(t *testing.T) {
	if !haveAsm || !cpu.X86.HasAVX2 {
		t.Logf("no AVX2 path (AVX2=%v): encoding/base64 decodes", cpu.X86.HasAVX2)
		return
	}
	if !useAVX2 {
		t.Fatal("AVX2 present but not used")
	}
	tok := tokenOf(t, 1024)
	dst := make([]byte, len(tok))
	if got, want := decodeURLAVX2(&dst[0], &tok[0], len(tok)/32, b64), (len(tok)-1)/32; got != want {
		t.Fatalf("%d of %d blocks decoded", got, want)
	}
}

// TestDecodeURLRandom: random bytes of every length up to 300, encoded,
// decode to themselves on every path, with dst exactly DecodedLen long plus
// decode's slack, and with none (decodeURL then leaves the blocks that
// would write past dst to encoding/base64).
func TestDecodeURLRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 300 {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(r.Uint32())
		}
		tok := []byte(base64.URLEncoding.EncodeToString(raw))
		for _, path := range b64Paths() {
			withB64Path(path, func() {
				got, err := decode(tok)
				if err != nil || !bytes.Equal(got, raw) {
					t.Fatalf("%s, %d bytes: %x, %v", path, n, got, err)
				}
				dst := make([]byte, stdURL.DecodedLen(len(tok)))
				m, err := decodeURL(dst, tok)
				if err != nil || !bytes.Equal(dst[:m], raw) {
					t.Fatalf("%s, %d bytes, no slack: %x, %v", path, n, dst[:m], err)
				}
			})
		}
	}
}

// sameEncoding checks encodeURL on every path against encoding/base64, and
// that it writes nothing past the encoding.
func sameEncoding(t *testing.T, raw []byte) {
	t.Helper()
	want := base64.URLEncoding.EncodeToString(raw)
	for _, path := range b64Paths() {
		withB64Path(path, func() {
			dst := bytes.Repeat([]byte{0xee}, len(want)+8)
			encodeURL(dst, raw)
			if string(dst[:len(want)]) != want || !bytes.Equal(dst[len(want):], bytes.Repeat([]byte{0xee}, 8)) {
				t.Fatalf("%s, %d bytes: %q, want %q", path, len(raw), dst, want)
			}
		})
	}
}

// TestEncodeURLRandom: random bytes of every length up to 300, and every
// byte value at every position of a block, encode as with encoding/base64.
func TestEncodeURLRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for n := range 300 {
		raw := make([]byte, n)
		for i := range raw {
			raw[i] = byte(r.Uint32())
		}
		sameEncoding(t, raw)
	}
	for c := range 256 {
		for p := range 28 {
			raw := make([]byte, 28)
			raw[p] = byte(c)
			sameEncoding(t, raw)
		}
	}
}

// TestEncodeURLShortDst: a dst too short for the blocks panics in Go
// rather than being written past by the assembly.
func TestEncodeURLShortDst(t *testing.T) {
	for _, path := range b64Paths() {
		withB64Path(path, func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", path)
				}
			}()
			encodeURL(make([]byte, 31), make([]byte, 28))
		})
	}
}

package fernet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/internal/fuzzcorpus"
	"golang.org/x/sys/cpu"
)

// cbcImpls are the paths cbcDecrypt and cbcEncrypt can take here: the assembly where the
// CPU has AES-NI, and always crypto/cipher's decrypter (forced by clearing
// useAESNI, as on CPUs without AES-NI, other platforms and purego builds).
func cbcImpls(t testing.TB) []string {
	if useAESNI {
		return []string{"aesni", "fallback"}
	}
	return []string{"fallback"}
}

// withImpl runs f with cbcDecrypt and cbcEncrypt forced onto one path.
func withImpl(impl string, f func()) {
	saved := useAESNI
	useAESNI = impl == "aesni"
	defer func() { useAESNI = saved }()
	f()
}

// TestAESNIUsed fails where the fast path would silently not be taken: on
// amd64 with AES-NI (this machine) the assembly must be selected and New256
// must build its key schedule.
func TestAESNIUsed(t *testing.T) {
	if !haveAsm || !cpu.X86.HasAES {
		t.Logf("no AES-NI path on %s (HasAES=%v): crypto/cipher decrypts", runtime.GOARCH, cpu.X86.HasAES)
		return
	}
	f, err := New256(bytes.Repeat([]byte{1}, 64))
	if err != nil {
		t.Fatal(err)
	}
	if !useAESNI || f.k.sched == nil {
		t.Fatalf("useAESNI=%v, schedule built: %v", useAESNI, f.k.sched != nil)
	}
}

// TestSbox checks the computed S-box against FIPS 197 figure 7 samples.
func TestSbox(t *testing.T) {
	for in, want := range map[byte]byte{0x00: 0x63, 0x01: 0x7c, 0x53: 0xed, 0x10: 0xca, 0xff: 0x16, 0x9a: 0xb8} {
		if sbox[in] != want {
			t.Errorf("sbox[%#x] = %#x, want %#x", in, sbox[in], want)
		}
	}
}

// TestCBCFIPS197 decrypts and encrypts the AES-256 example of FIPS 197
// appendix C.3 (one block with a zero IV is ECB).
func TestCBCFIPS197(t *testing.T) {
	key, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	ct, _ := hex.DecodeString("8ea2b7ca516745bfeafc49904b496089")
	want, _ := hex.DecodeString("00112233445566778899aabbccddeeff")
	for _, impl := range cbcImpls(t) {
		withImpl(impl, func() {
			k := newTestKeys(t, key)
			got := make([]byte, 16)
			k.cbcDecrypt(got, ct, make([]byte, 16))
			if !bytes.Equal(got, want) {
				t.Errorf("%s: %x, want %x", impl, got, want)
			}
			k.cbcEncrypt(got, want, make([]byte, 16))
			if !bytes.Equal(got, ct) {
				t.Errorf("%s: encrypt: %x, want %x", impl, got, ct)
			}
		})
	}
}

// newTestKeys builds the AES half of keys256 as New256 does.
func newTestKeys(t testing.TB, key []byte) *keys256 {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	return &keys256{block: block, sched: expandKey256(key)}
}

// diffCBC decrypts ct under key and iv with every path, in place and out of
// place, and compares with crypto/cipher's CBC decrypter; then encrypts the
// plaintext back the same ways and compares with crypto/cipher's CBC
// encrypter. Out of place, the bytes of dst past the output and the input
// must stay untouched.
func diffCBC(t *testing.T, key, iv, ct []byte) {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	ct2 := make([]byte, len(ct))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct2, pt)
	if !bytes.Equal(ct2, ct) {
		t.Fatal("crypto/cipher does not round-trip")
	}
	k := newTestKeys(t, key)
	for _, impl := range cbcImpls(t) {
		for _, op := range []struct {
			name    string
			f       func(dst, src, iv []byte)
			in, out []byte
		}{{"decrypt", k.cbcDecrypt, ct, pt}, {"encrypt", k.cbcEncrypt, pt, ct}} {
			withImpl(impl, func() {
				buf := bytes.Clone(op.in)
				op.f(buf, buf, iv)
				if !bytes.Equal(buf, op.out) {
					t.Fatalf("%s %s, in place, %d blocks: %x, want %x", impl, op.name, len(ct)/16, buf, op.out)
				}
				src := bytes.Clone(op.in)
				dst := bytes.Repeat([]byte{0xa5}, len(ct)+16)
				op.f(dst, src, iv)
				if !bytes.Equal(dst[:len(ct)], op.out) || !bytes.Equal(src, op.in) || !bytes.Equal(dst[len(ct):], bytes.Repeat([]byte{0xa5}, 16)) {
					t.Fatalf("%s %s, out of place, %d blocks: wrong output or clobbered bytes", impl, op.name, len(ct)/16)
				}
			})
		}
	}
}

// TestCBCDifferential: every length from 1 to 64 blocks (each mix of the
// decryption's 8-, 4- and 1-block loops), random keys, IVs and ciphertexts,
// decrypted and encrypted back.
func TestCBCDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fill := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for n := 1; n <= 64; n++ {
		for range 4 {
			diffCBC(t, fill(32), fill(16), fill(16*n))
		}
	}
}

// TestCBCBadLengths: the assembly path refuses what crypto/cipher refuses
// rather than reading or writing out of bounds.
func TestCBCBadLengths(t *testing.T) {
	k := newTestKeys(t, make([]byte, 32))
	for _, impl := range cbcImpls(t) {
		for _, f := range []func(dst, src, iv []byte){k.cbcDecrypt, k.cbcEncrypt} {
			for _, c := range []struct{ dst, src, iv int }{{15, 15, 16}, {16, 32, 16}, {32, 32, 15}} {
				withImpl(impl, func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s: dst %d, src %d, iv %d: no panic", impl, c.dst, c.src, c.iv)
						}
					}()
					f(make([]byte, c.dst), make([]byte, c.src), make([]byte, c.iv))
				})
			}
		}
	}
}

// FuzzCBC is TestCBCDifferential on arbitrary input: the first 32 bytes are
// the key, the next 16 the IV, whole blocks of the rest the ciphertext.
func FuzzCBC(f *testing.F) {
	for _, s := range cbcSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 48+16 {
			return
		}
		ct := in[48:]
		diffCBC(t, in[:32], in[32:48], ct[:len(ct)/16*16])
	})
}

// cbcSeeds are FuzzCBC's seeds: a length for each path through the
// assembly (1, 4, 8 blocks and mixes) and a 1 KiB value's ciphertext.
func cbcSeeds() [][]byte {
	var seeds [][]byte
	for _, n := range []int{1, 3, 4, 5, 8, 9, 12, 13, 16, 65} {
		s := make([]byte, 48+16*n)
		for i := range s {
			s[i] = byte(i*7 + n)
		}
		seeds = append(seeds, s)
	}
	return seeds
}

// updateCorpus rewrites the committed seed corpus instead of checking it;
// go generate passes it.
var updateCorpus = flag.Bool("update", false, "rewrite testdata/fuzz/FuzzCBC from the current seeds")

//go:generate go test -run ^TestFuzzCorpus$ -update

// TestFuzzCorpus checks that testdata/fuzz/FuzzCBC (which every go
// test runs, and `go test -fuzz` starts from) holds exactly cbcSeeds, named
// by their hash; `go generate ./runtime/internal/fernet` rewrites it.
func TestFuzzCorpus(t *testing.T) {
	want := map[string][]byte{}
	for _, s := range cbcSeeds() {
		want[fmt.Sprintf("seed-%x", sha256.Sum256(s))[:21]] = s
	}
	fuzzcorpus.Check(t, fuzzcorpus.Corpus{
		Dir:        filepath.Join("testdata", "fuzz", "FuzzCBC"),
		Want:       want,
		Owned:      func(name string) bool { return strings.HasPrefix(name, "seed-") },
		Regenerate: "go generate ./runtime/internal/fernet",
	}, *updateCorpus)
}

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

// cbcImpls are the paths cbcDecrypt can take here: the assembly where the
// CPU has AES-NI, and always crypto/cipher's decrypter (forced by clearing
// useAESNI, as on CPUs without AES-NI, other platforms and purego builds).
func cbcImpls(t testing.TB) []string {
	if useAESNI {
		return []string{"aesni", "fallback"}
	}
	return []string{"fallback"}
}

// withImpl runs f with cbcDecrypt forced onto one path.
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
	if !useAESNI || f.k.dec == nil {
		t.Fatalf("useAESNI=%v, schedule built: %v", useAESNI, f.k.dec != nil)
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

// TestCBCDecryptFIPS197 decrypts the AES-256 example of FIPS 197 appendix
// C.3 (one block with a zero IV is ECB).
func TestCBCDecryptFIPS197(t *testing.T) {
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
		})
	}
}

// newTestKeys builds the AES half of keys256 as New256 does.
func newTestKeys(t testing.TB, key []byte) *keys256 {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	return &keys256{block: block, dec: expandKey256(key)}
}

// checkCBC decrypts ct under key and iv with every path, in place and out of
// place, and compares with crypto/cipher's CBC decrypter; out of place, the
// bytes of dst past the plaintext and the ciphertext must stay untouched.
func checkCBC(t *testing.T, key, iv, ct []byte) {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(want, ct)
	k := newTestKeys(t, key)
	for _, impl := range cbcImpls(t) {
		withImpl(impl, func() {
			in := bytes.Clone(ct)
			k.cbcDecrypt(in, in, iv)
			if !bytes.Equal(in, want) {
				t.Fatalf("%s, in place, %d blocks: %x, want %x", impl, len(ct)/16, in, want)
			}
			src := bytes.Clone(ct)
			dst := bytes.Repeat([]byte{0xa5}, len(ct)+16)
			k.cbcDecrypt(dst, src, iv)
			if !bytes.Equal(dst[:len(ct)], want) || !bytes.Equal(src, ct) || !bytes.Equal(dst[len(ct):], bytes.Repeat([]byte{0xa5}, 16)) {
				t.Fatalf("%s, out of place, %d blocks: wrong plaintext or clobbered bytes", impl, len(ct)/16)
			}
		})
	}
}

// TestCBCDecryptDifferential: every length from 1 to 64 blocks (each mix of
// the 8-, 4- and 1-block loops), random keys, IVs and ciphertexts.
func TestCBCDecryptDifferential(t *testing.T) {
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
			checkCBC(t, fill(32), fill(16), fill(16*n))
		}
	}
}

// TestCBCDecryptBadLengths: the assembly path refuses what crypto/cipher
// refuses rather than reading or writing out of bounds.
func TestCBCDecryptBadLengths(t *testing.T) {
	k := newTestKeys(t, make([]byte, 32))
	for _, impl := range cbcImpls(t) {
		for _, c := range []struct{ dst, src, iv int }{{15, 15, 16}, {16, 32, 16}, {32, 32, 15}} {
			withImpl(impl, func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: dst %d, src %d, iv %d: no panic", impl, c.dst, c.src, c.iv)
					}
				}()
				k.cbcDecrypt(make([]byte, c.dst), make([]byte, c.src), make([]byte, c.iv))
			})
		}
	}
}

// FuzzCBCDecrypt is TestCBCDecryptDifferential on arbitrary input: the first
// 32 bytes are the key, the next 16 the IV, whole blocks of the rest the
// ciphertext.
func FuzzCBCDecrypt(f *testing.F) {
	for _, s := range cbcSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 48+16 {
			return
		}
		ct := in[48:]
		checkCBC(t, in[:32], in[32:48], ct[:len(ct)/16*16])
	})
}

// cbcSeeds are FuzzCBCDecrypt's seeds: a length for each path through the
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
var updateCorpus = flag.Bool("update", false, "rewrite testdata/fuzz/FuzzCBCDecrypt from the current seeds")

//go:generate go test -run ^TestFuzzCorpus$ -update

// TestFuzzCorpus checks that testdata/fuzz/FuzzCBCDecrypt (which every go
// test runs, and `go test -fuzz` starts from) holds exactly cbcSeeds, named
// by their hash; `go generate ./runtime/internal/fernet` rewrites it.
func TestFuzzCorpus(t *testing.T) {
	want := map[string][]byte{}
	for _, s := range cbcSeeds() {
		want[fmt.Sprintf("seed-%x", sha256.Sum256(s))[:21]] = s
	}
	fuzzcorpus.Check(t, fuzzcorpus.Corpus{
		Dir:        filepath.Join("testdata", "fuzz", "FuzzCBCDecrypt"),
		Want:       want,
		Owned:      func(name string) bool { return strings.HasPrefix(name, "seed-") },
		Regenerate: "go generate ./runtime/internal/fernet",
	}, *updateCorpus)
}

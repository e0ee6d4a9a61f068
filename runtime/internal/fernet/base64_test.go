package fernet

import (
	"bytes"
	"crypto/cipher"
	"encoding/base64"
	"strings"
	"testing"
)

// stdEnc is the reference: encoding/base64's strict url-safe decoder, which
// this package used before github.com/segmentio/asm/base64.
var stdEnc = base64.URLEncoding.Strict()

// sameDecoding reports whether decode, on each of its paths (AVX2 blocks
// with encoding/base64 for the rest, where the CPU has AVX2, and the
// fallback: segmentio's decoder behind its pre-checks), and stdEnc agree on
// token: both reject it, or both accept it with the same bytes. Tokens with
// CR or LF are left out: decode refuses them, encoding/base64 skips them
// (TestDecodeRefusesNewlines).
func sameDecoding(t *testing.T, token []byte) {
	t.Helper()
	if bytes.ContainsAny(token, "\r\n") {
		return
	}
	b := make([]byte, stdEnc.DecodedLen(len(token)))
	nb, errb := stdEnc.Decode(b, token)
	for _, path := range b64Paths() {
		var a []byte
		var erra error
		withB64Path(path, func() { a, erra = decode(token) })
		if (erra == nil) != (errb == nil) {
			t.Fatalf("%s: token %q (%d bytes): decode err %v, encoding/base64 err %v", path, abbrev(token), len(token), erra, errb)
		}
		if erra == nil && !bytes.Equal(a, b[:nb]) {
			t.Fatalf("%s: token %q: decoders disagree on the bytes", path, abbrev(token))
		}
	}
}

// b64Paths are decode's paths on this machine.
func b64Paths() []string {
	if useAVX2 {
		return []string{"avx2", "fallback"}
	}
	return []string{"fallback"}
}

func withB64Path(path string, f func()) {
	saved := useAVX2
	useAVX2 = path == "avx2"
	defer func() { useAVX2 = saved }()
	f()
}

func TestDecodeRefusesNewlines(t *testing.T) {
	tok := tokenOf(t, 1024)
	for _, path := range b64Paths() {
		for _, c := range []byte("\r\n") {
			for _, i := range []int{0, 100, 1440, len(tok) - 1, len(tok)} {
				mut := append(append(bytes.Clone(tok[:i]), c), tok[i:]...)
				withB64Path(path, func() {
					if _, err := decode(mut); err == nil {
						t.Errorf("%s: %q at %d accepted", path, c, i)
					}
				})
			}
		}
	}
}

func abbrev(b []byte) string {
	if len(b) > 80 {
		return string(b[:40]) + "…" + string(b[len(b)-40:])
	}
	return string(b)
}

// tokenOf returns a real 1 KiB-value token (1.46 KB of base64: long enough
// for the SIMD path).
func tokenOf(t testing.TB, n int) []byte {
	f, err := New256(bytes.Repeat([]byte{7}, 64))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := f.EncryptAtTime(bytes.Repeat([]byte{'x'}, n), 1, make([]byte, 16))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestBase64Differential: every single-byte change of real tokens (each
// position × characters outside the alphabet, of the other alphabet, the
// padding, non-ASCII), truncations, extra padding and non-zero trailing bits
// are rejected or accepted by the fast decoder exactly as by
// encoding/base64's strict URLEncoding.
func TestBase64Differential(t *testing.T) {
	bad := []byte("+/=*. !~\x00\x7f\x80\xff-_Aa9")
	for _, n := range []int{0, 15, 16, 200, 1024} {
		tok := tokenOf(t, n)
		sameDecoding(t, tok)
		for i := range tok {
			for _, c := range bad {
				mut := bytes.Clone(tok)
				mut[i] = c
				sameDecoding(t, mut)
			}
			sameDecoding(t, tok[:i])
			sameDecoding(t, append(bytes.Clone(tok[:i]), tok[i+1:]...))
		}
		sameDecoding(t, append(bytes.Clone(tok), '='))
		sameDecoding(t, append(bytes.Clone(tok), "AAAA"...))
		sameDecoding(t, []byte(strings.TrimRight(string(tok), "=")))
	}
	// Non-zero trailing bits before the padding: "QQ==" is 'A', "QR==" is
	// not canonical.
	for _, s := range []string{"QQ==", "QR==", "QUE=", "QUF=", "QUFB", strings.Repeat("QUFB", 100) + "QR=="} {
		sameDecoding(t, []byte(s))
	}
}

// FuzzBase64Differential is TestBase64Differential on arbitrary tokens, and
// TestEncodeURLRandom on the same bytes.
func FuzzBase64Differential(f *testing.F) {
	for _, n := range []int{0, 16, 200, 1024} {
		f.Add(tokenOf(f, n))
	}
	f.Add([]byte("QR=="))
	f.Add(bytes.Repeat([]byte("A+/_-="), 60))
	f.Fuzz(func(t *testing.T, token []byte) {
		sameDecoding(t, token)
		sameEncoding(t, token) // as raw bytes: encodeURL against encoding/base64
	})
}

// BenchmarkCryptStages splits a 1 KiB value's Decrypt and Encrypt into
// their stages (BENCHMARKS.md, crypt profile): base64 with encoding/base64
// and with the SIMD decoder, HMAC-SHA256 over the signed bytes, AES-256-CBC
// (with AES-NI and with crypto/cipher).
func BenchmarkCryptStages(b *testing.B) {
	tok := tokenOf(b, 1024)
	raw, err := decode(tok)
	if err != nil {
		b.Fatal(err)
	}
	f, err := New256(bytes.Repeat([]byte{7}, 64))
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]byte, len(raw)+64)
	b.Run("stage=base64-decode/impl=encoding-base64", func(b *testing.B) {
		for b.Loop() {
			if _, err := stdEnc.Decode(dst, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stage=base64-decode/impl=segmentio-asm", func(b *testing.B) {
		for b.Loop() {
			if _, err := enc.Decode(dst, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	if useAVX2 {
		b.Run("stage=base64-decode/impl=avx2", func(b *testing.B) { // decodeURL: AVX2 blocks + encoding/base64 for the rest
			for b.Loop() {
				if _, err := decodeURL(dst, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("stage=base64-decode/impl=decode-fallback", func(b *testing.B) { // without AVX2: the CR/LF/+// scans, segmentio, the buffer
		for b.Loop() {
			if _, err := decodeFallback(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("stage=base64-decode/impl=decode", func(b *testing.B) { // decode's path here, with the buffer
		for b.Loop() {
			if _, err := decode(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	out := make([]byte, len(tok))
	b.Run("stage=base64-encode/impl=encoding-base64", func(b *testing.B) {
		for b.Loop() {
			stdEnc.Encode(out, raw)
		}
	})
	b.Run("stage=base64-encode/impl=encodeURL", func(b *testing.B) { // Encrypt's path here
		for b.Loop() {
			encodeURL(out, raw)
		}
	})
	b.Run("stage=base64-encode/impl=segmentio-asm", func(b *testing.B) {
		for b.Loop() {
			enc.Encode(out, raw)
		}
	})
	n := len(raw) - 32
	b.Run("stage=hmac", func(b *testing.B) {
		for b.Loop() {
			_ = f.tag(dst[:0], raw[:n])
		}
	})
	ct := make([]byte, n-headerLen)
	// stage=aes-cbc-decrypt is the path open takes (AES-NI, eight blocks at
	// a time, where the CPU has it); impl=crypto-cipher is what open used
	// before (and uses without AES-NI).
	b.Run("stage=aes-cbc-decrypt", func(b *testing.B) {
		for b.Loop() {
			copy(ct, raw[headerLen:n])
			f.k.cbcDecrypt(ct, ct, raw[9:headerLen])
		}
	})
	b.Run("stage=aes-cbc-decrypt/impl=crypto-cipher", func(b *testing.B) {
		for b.Loop() {
			copy(ct, raw[headerLen:n])
			cipher.NewCBCDecrypter(f.k.block, raw[9:headerLen]).CryptBlocks(ct, ct)
		}
	})
	b.Run("stage=aes-cbc-encrypt", func(b *testing.B) { // the path Encrypt takes
		for b.Loop() {
			f.k.cbcEncrypt(ct, ct, raw[9:headerLen])
		}
	})
	b.Run("stage=aes-cbc-encrypt/impl=crypto-cipher", func(b *testing.B) {
		for b.Loop() {
			cipher.NewCBCEncrypter(f.k.block, raw[9:headerLen]).CryptBlocks(ct, ct)
		}
	})
}

package fernet

import (
	"bytes"
	"encoding/base64"
)

// The token decoder. github.com/segmentio/asm/base64 took ≈ 0.5 µs for a
// 1 KiB value's 1.46 KB token here although its loop needs ≈ 0.1 µs: most
// of the time went to its prologue, whose legacy-SSE PINSRB stalls (an
// SSE/AVX transition) on this CPU; it also accepts '+' and '/' as '-' and
// '_', so decode had to scan the token four times for the bytes only
// encoding/base64 catches. b64_amd64.s decodes whole 32-character blocks
// of the url-safe alphabet with AVX2 (VEX-encoded only) and validates them
// as it goes: it stops at the first block with any byte outside the
// alphabet ('+', '/', '=', CR, LF included), so the blocks it decodes are
// ones encoding/base64 decodes to the same bytes, and encoding/base64's
// strict decoder does the rest (the last quanta, the padding and every
// error), behind a CR/LF check of just that rest.

const urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// stdURL is the reference decoder and the one for the tail: strict
// (trailing bits of the last quantum must be zero), padded, url-safe.
var stdURL = base64.URLEncoding.Strict()

// b64Tables holds the constants of decodeURLAVX2 (offsets fixed there).
type b64Tables struct {
	lo, hi, roll [16]byte // nibble tables: classes by low and high nibble, offsets
	nibble       [32]byte // 0x0f
	under        [32]byte // '_'
	eight        [32]byte // 8: moves '_' to its own offset slot
	madd1        [32]byte // pairs of 6-bit values to 12 bits
	madd2        [32]byte // pairs of 12-bit values to 24 bits
	shuf         [32]byte // the three bytes of every dword, big-endian, 12 per lane
	perm         [32]byte // dwords 0-2 and 4-6: 24 contiguous bytes
}

// b64 is built from urlAlphabet by newB64Tables (TestB64TablesEveryByte
// checks every byte value against encoding/base64).
var b64 = newB64Tables()

// newB64Tables derives the validation and translation tables. A byte with
// high nibble h and low nibble l is in the alphabet iff lo[l]&hi[h] == 0:
// every distinct set of valid low nibbles (one per high nibble) gets a bit,
// hi[h] is the bit of h's set, lo[l] has the bits of the sets l is not in.
// A valid byte's 6-bit value is the byte plus roll[h], except '_' (the only
// one whose offset differs from the rest of its high nibble: 'P'–'Z'),
// which takes roll[h+8] (high nibbles 8–15 are never valid).
func newB64Tables() *b64Tables {
	t := new(b64Tables)
	var sets [16]uint16 // valid low nibbles per high nibble
	for _, c := range []byte(urlAlphabet) {
		sets[c>>4] |= 1 << (c & 15)
	}
	var classes []uint16
	for h, s := range sets {
		i := 0
		for i < len(classes) && classes[i] != s {
			i++
		}
		if i == len(classes) {
			classes = append(classes, s)
		}
		if i >= 8 {
			panic("fernet: base64 alphabet needs more than 8 classes")
		}
		t.hi[h] = 1 << i
	}
	for l := range 16 {
		for i, s := range classes {
			if s&(1<<l) == 0 {
				t.lo[l] |= 1 << i
			}
		}
	}
	set := [16]bool{}
	for v, c := range []byte(urlAlphabet) {
		i := int(c >> 4)
		if c == '_' {
			i += 8
		}
		off := byte(v) - c
		if set[i] && t.roll[i] != off {
			panic("fernet: base64 alphabet offsets differ within a high nibble")
		}
		t.roll[i], set[i] = off, true
	}
	for i := range 32 {
		t.nibble[i] = 0x0f
		t.under[i] = '_'
		t.eight[i] = 8
		if i%2 == 0 {
			t.madd1[i] = 0x40
		} else {
			t.madd1[i] = 0x01
		}
	}
	for i := 0; i < 32; i += 4 {
		copy(t.madd2[i:], []byte{0x00, 0x10, 0x01, 0x00}) // words 0x1000, 0x0001
	}
	for lane := 0; lane < 32; lane += 16 {
		for i := range 16 {
			t.shuf[lane+i] = 0x80 // zero
		}
		for d := range 4 {
			t.shuf[lane+3*d], t.shuf[lane+3*d+1], t.shuf[lane+3*d+2] = byte(4*d+2), byte(4*d+1), byte(4*d)
		}
	}
	for i, d := range []byte{0, 1, 2, 4, 5, 6, 3, 7} {
		t.perm[4*i] = d
	}
	return t
}

// decodeURL decodes src (strict, padded, url-safe base64) into dst, which
// has len(dst) >= stdURL.DecodedLen(len(src)); bytes of dst past the
// result (up to 8 past a SIMD block) may be written. It accepts and rejects
// exactly what encoding/base64's URLEncoding.Strict() does, except that CR
// and LF, which encoding/base64 skips, are rejected.
func decodeURL(dst, src []byte) (int, error) {
	d := 0
	if useAVX2 && len(dst) >= 32 {
		blocks := min(len(src)/32, (len(dst)-32)/24+1)
		if blocks > 0 {
			d = decodeURLAVX2(&dst[0], &src[0], blocks, b64) // blocks decoded
		}
	}
	rest := src[32*d:]
	if bytes.IndexByte(rest, '\r') >= 0 || bytes.IndexByte(rest, '\n') >= 0 {
		return 0, ErrInvalidToken
	}
	n, err := stdURL.Decode(dst[24*d:], rest)
	return 24*d + n, err
}

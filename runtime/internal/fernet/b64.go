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

// b64EncTables holds the constants of encodeURLAVX2 (offsets fixed there).
type b64EncTables struct {
	spread [32]byte // per lane: bytes 1,0,2,1 of each 3-byte group
	mask1  [32]byte // 0x0fc0fc00 per dword: the first and third 6-bit fields
	mult1  [32]byte // 0x04000040 per dword: shifts them into place (high words)
	mask2  [32]byte // 0x003f03f0 per dword: the second and fourth fields
	mult2  [32]byte // 0x01000010 per dword: shifts them into place (low words)
	fiftyone,
	twentyfive [32]byte // 51 and 25: classify the 6-bit values
	thirteen [32]byte // 13: the slot of 'A'–'Z'
	shift    [16]byte // offset from 6-bit value to character, by class
}

// b64Enc is built by newB64EncTables (TestEncodeURLRandom checks it).
var b64Enc = newB64EncTables()

// newB64EncTables derives encodeURLAVX2's constants, after Muła and Lemire:
// a value v's class is max(v-51, 0), or 13 for v < 26: 0 for 'a'–'z', 1–10
// for the digits, 11 for '-', 12 for '_', 13 for 'A'–'Z'; shift[class] is
// the character minus v.
func newB64EncTables() *b64EncTables {
	t := new(b64EncTables)
	for lane := 0; lane < 32; lane += 16 {
		for g := range 4 {
			copy(t.spread[lane+4*g:], []byte{byte(3*g + 1), byte(3 * g), byte(3*g + 2), byte(3*g + 1)})
		}
	}
	dword := func(dst *[32]byte, v uint32) {
		for i := 0; i < 32; i += 4 {
			dst[i], dst[i+1], dst[i+2], dst[i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
		}
	}
	dword(&t.mask1, 0x0fc0fc00)
	dword(&t.mult1, 0x04000040)
	dword(&t.mask2, 0x003f03f0)
	dword(&t.mult2, 0x01000010)
	for i := range 32 {
		t.fiftyone[i], t.twentyfive[i], t.thirteen[i] = 51, 25, 13
	}
	for v, c := range []byte(urlAlphabet) {
		class := 13
		if v >= 26 {
			class = max(v-51, 0)
		}
		off := c - byte(v)
		if t.shift[class] != 0 && t.shift[class] != off {
			panic("fernet: base64 alphabet offsets differ within a class")
		}
		t.shift[class] = off
	}
	return t
}

// encodeURL encodes src into dst (len(dst) >= stdURL.EncodedLen(len(src)))
// as encoding/base64's URLEncoding does: with AVX2 blocks and
// encoding/base64 for the rest, or without AVX2 with enc (segmentio's
// decoder has NEON code on arm64).
func encodeURL(dst, src []byte) {
	if !useAVX2 {
		enc.Encode(dst, src)
		return
	}
	d := 0
	if len(src) >= 28 {
		d = (len(src) - 4) / 24 // each block reads 28 bytes: 24 and 4 past
		_ = dst[32*d-1]         // the blocks' output fits, or panic here
		encodeURLAVX2(&dst[0], &src[0], d, b64Enc)
	}
	stdURL.Encode(dst[32*d:], src[24*d:])
}

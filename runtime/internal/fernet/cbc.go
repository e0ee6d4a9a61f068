package fernet

import (
	"crypto/aes"
	"crypto/cipher"
)

// AES-256-CBC with AES-NI. crypto/aes has no CBC assembly on amd64: its CBC
// modes call the one-block assembly and subtle.XORBytes once per 16-byte
// block, which made AES ≈ 1 µs of a 1 KiB value's Decrypt. CBC decryption
// is parallel across blocks (P_i = D(C_i) ⊕ C_{i−1}), so cbc_amd64.s
// pipelines eight blocks through AES-NI at a time; CBC encryption is serial
// (each block needs the previous ciphertext), so there the assembly only
// saves the per-block calls, keeping the round keys in registers. The key
// schedules are computed once per key (expandKey256). Other platforms, CPUs
// without AES-NI and the purego tag use crypto/cipher.

const rounds256 = 14

// schedule256 holds the AES-256 round keys for the assembly, each 16-byte
// round key in the byte order of the state: enc for the cipher, first round
// first; dec for the equivalent inverse cipher (FIPS 197 §5.3.5) in the
// order AESDEC consumes it: the last encryption round key, InvMixColumns of
// rounds 13 down to 1, then the first round key.
type schedule256 struct {
	enc, dec [(rounds256 + 1) * aes.BlockSize]byte
}

// cbcDecrypt decrypts src into dst with AES-256-CBC under iv. len(src) is a
// multiple of 16, len(dst) >= len(src), and dst and src are the same slice
// or do not overlap (as crypto/cipher demands).
func (k *keys256) cbcDecrypt(dst, src, iv []byte) {
	if k.sched != nil && useAESNI {
		checkCBC(dst, src, iv)
		if len(src) > 0 {
			decryptCBCAsm(k.sched, (*[aes.BlockSize]byte)(iv), &dst[0], &src[0], len(src)/aes.BlockSize)
		}
		return
	}
	cipher.NewCBCDecrypter(k.block, iv).CryptBlocks(dst, src)
}

// cbcEncrypt is cbcDecrypt's inverse, with the same demands.
func (k *keys256) cbcEncrypt(dst, src, iv []byte) {
	if k.sched != nil && useAESNI {
		checkCBC(dst, src, iv)
		if len(src) > 0 {
			encryptCBCAsm(k.sched, (*[aes.BlockSize]byte)(iv), &dst[0], &src[0], len(src)/aes.BlockSize)
		}
		return
	}
	cipher.NewCBCEncrypter(k.block, iv).CryptBlocks(dst, src)
}

// checkCBC panics where crypto/cipher would, before the assembly could read
// or write out of bounds.
func checkCBC(dst, src, iv []byte) {
	if len(src)%aes.BlockSize != 0 || len(dst) < len(src) || len(iv) != aes.BlockSize {
		panic("fernet: AES-CBC: bad lengths")
	}
}

// newSchedule256 returns the round keys of a 32-byte AES key for the
// assembly, or nil where the assembly is not used.
func newSchedule256(key []byte) *schedule256 {
	if !useAESNI {
		return nil
	}
	return expandKey256(key)
}

// expandKey256 is the AES-256 key expansion (FIPS 197 §5.2) and the
// equivalent inverse cipher's transformation of the round keys (§5.3.5).
func expandKey256(key []byte) *schedule256 {
	const nk, nw = 8, 4 * (rounds256 + 1)
	var w [nw]uint32
	for i := range nk {
		w[i] = uint32(key[4*i])<<24 | uint32(key[4*i+1])<<16 | uint32(key[4*i+2])<<8 | uint32(key[4*i+3])
	}
	rcon := uint32(1)
	for i := nk; i < nw; i++ {
		t := w[i-1]
		switch i % nk {
		case 0:
			t = subWord(t<<8|t>>24) ^ rcon<<24
			rcon = uint32(xtime(byte(rcon)))
		case 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	ks := new(schedule256)
	for i, v := range w {
		ks.enc[4*i], ks.enc[4*i+1], ks.enc[4*i+2], ks.enc[4*i+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	for r := 0; r <= rounds256; r++ {
		rk := ks.dec[16*r : 16*r+16]
		for j := range 4 {
			v := w[4*(rounds256-r)+j]
			c := [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
			if r != 0 && r != rounds256 {
				c = invMixColumn(c)
			}
			copy(rk[4*j:], c[:])
		}
	}
	clear(w[:])
	return ks
}

func subWord(v uint32) uint32 {
	return uint32(sbox[v>>24])<<24 | uint32(sbox[v>>16&0xff])<<16 | uint32(sbox[v>>8&0xff])<<8 | uint32(sbox[v&0xff])
}

// xtime multiplies by x in GF(2^8) modulo the AES polynomial.
func xtime(b byte) byte {
	return b<<1 ^ 0x1b*(b>>7)
}

// gmul multiplies a and b in GF(2^8).
func gmul(a, b byte) byte {
	var p byte
	for ; b != 0; b >>= 1 {
		p ^= a * (b & 1)
		a = xtime(a)
	}
	return p
}

func invMixColumn(c [4]byte) [4]byte {
	var r [4]byte
	for i := range 4 {
		r[i] = gmul(c[i], 14) ^ gmul(c[(i+1)%4], 11) ^ gmul(c[(i+2)%4], 13) ^ gmul(c[(i+3)%4], 9)
	}
	return r
}

// sbox is the AES S-box, computed rather than typed in: the multiplicative
// inverse in GF(2^8) (through powers of the generator 3) followed by the
// affine map (FIPS 197 §5.1.1).
var sbox = func() (s [256]byte) {
	var exp [255]byte
	var log [256]int
	p := byte(1)
	for i := range exp {
		exp[i] = p
		log[p] = i
		p ^= xtime(p) // p·3
	}
	rotl := func(b byte, n int) byte { return b<<n | b>>(8-n) }
	s[0] = 0x63
	for x := 1; x < 256; x++ {
		inv := exp[(255-log[x])%255]
		s[x] = inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4) ^ 0x63
	}
	return s
}()

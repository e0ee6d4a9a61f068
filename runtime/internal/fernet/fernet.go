// Package fernet implements the token formats cachegen shares with the Python
// library rick: rick's Fernet256 variant (Fernet256), standard Fernet
// (Standard) and key rotation over several of them (Multi).
//
// A token is the url-safe base64 encoding, with '=' padding, of
//
//	offset  len  field
//	0       1    version: 0x81 for Fernet256, 0x80 for standard Fernet
//	1       8    timestamp, seconds since the Unix epoch, uint64 big-endian
//	9       16   IV
//	25      C    AES-CBC of the PKCS7-padded plaintext (C = 16·(⌊n/16⌋+1))
//	25+C    32   HMAC-SHA256 over bytes [0, 25+C)
//
// Fernet256 takes a 64-byte key (HMAC key = bytes 0–31, AES-256 key = bytes
// 32–63); standard Fernet takes a 32-byte key split 16/16 and uses AES-128.
// A raw token is therefore at least 73 bytes and 57 bytes more than a
// multiple of 16.
//
// Decoding is strict on purpose: a token must be canonical url-safe base64
// with padding. Python's decoder is lenient (it drops characters outside the
// alphabet such as spaces, newlines and '*', accepts '+' and '/', and ignores
// extra '=' and anything after the padding), so rick decrypts some hand-edited
// tokens that this package rejects with ErrInvalidToken; the
// lenient_base64_python_accepts vectors are such tokens. encrypt() never
// produces them, so values written by rick are unaffected, while accepting
// them would make one token decodable from many byte strings. Go's decoder
// silently skips '\r' and '\n', so those are rejected explicitly.
package fernet

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"sync"
	"time"

	asmbase64 "github.com/segmentio/asm/base64"
)

// ErrInvalidToken is the error behind every failed decryption, whatever the
// cause, so that callers (and attackers) learn nothing about why.
var ErrInvalidToken = errors.New("cachegen: invalid token")

// Cipher encrypts values into tokens and decrypts them back.
type Cipher interface {
	Encrypt(plain []byte) ([]byte, error)
	Decrypt(token []byte) ([]byte, error)
}

const (
	version256  = 0x81
	headerLen   = 1 + 8 + aes.BlockSize
	overhead    = headerLen + sha256.Size // 57: a token without ciphertext
	maxSkewSecs = 60
)

// enc is the token alphabet where encodeURL and decode have no AVX2 path
// (off amd64, purego, CPUs without AVX2), and for GenerateKey256: url-safe base64 with padding,
// strict (the trailing bits of the last quantum must be zero). It is
// github.com/segmentio/asm/base64 (NEON code on arm64), which hands the last
// quanta, the padding and any byte it cannot decode to encoding/base64
// itself, so it accepts and rejects exactly what encoding/base64's
// URLEncoding.Strict() does once CR, LF, '+' and '/' are refused first
// (decodeFallback) — TestBase64Differential and FuzzBase64Differential hold
// both decode paths to that.
var enc = asmbase64.URLEncoding.Strict()

// Fernet256 is rick's Fernet256. It is safe for concurrent use. The zero
// value is not usable: build one with New256 or ParseKey256.
type Fernet256 struct {
	// Key material sits two pointers deep: where fmt cannot call Format (a
	// Fernet256 in another struct's unexported field) it prints through
	// reflection, which dereferences at most one pointer, so only addresses
	// come out.
	k *keys256
}

type keys256 struct {
	sign  *[32]byte
	block cipher.Block
	sched *schedule256 // AES-NI round keys; nil where cbcDecrypt/cbcEncrypt use block
	macs  sync.Pool    // of hash.Hash: HMAC-SHA256 keyed with sign, reused via Reset
}

// New256 builds a Fernet256 from its 64 raw key bytes. rick's CryptRedisCache
// uses the UTF-8 bytes of its 64-byte key string directly as these bytes.
func New256(key []byte) (*Fernet256, error) {
	if len(key) != 64 {
		return nil, fmt.Errorf("cachegen: fernet256: key must be 64 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key[32:])
	if err != nil {
		return nil, err
	}
	return &Fernet256{k: &keys256{
		sign:  (*[32]byte)(bytes.Clone(key[:32])),
		block: block,
		sched: newSchedule256(key[32:]),
	}}, nil
}

// ParseKey256 is rick's Fernet256(key): key is the url-safe base64 form of 64
// bytes, as GenerateKey256 returns.
func ParseKey256(b64 string) (*Fernet256, error) {
	raw, err := decode([]byte(b64))
	if err != nil || len(raw) != 64 {
		//lint:ignore ST1005 the text, period included, is the one Python's Fernet raises
		return nil, errors.New("cachegen: Fernet key must be 64 url-safe base64-encoded bytes.")
	}
	return New256(raw)
}

// GenerateKey256 returns a new random key in the form ParseKey256 accepts.
func GenerateKey256() string {
	return enc.EncodeToString(randomBytes(64))
}

// Encrypt encrypts plain at the current time with a random IV.
func (f *Fernet256) Encrypt(plain []byte) ([]byte, error) {
	var iv [aes.BlockSize]byte
	rand.Read(iv[:]) // never fails since Go 1.24: it crashes the program instead
	return f.EncryptAtTime(plain, uint64(time.Now().Unix()), iv[:])
}

// EncryptAtTime is Encrypt with the timestamp and the 16-byte IV given, which
// makes the token deterministic (rick's _encrypt_from_parts). Pinning is for
// tests: a repeated IV under one key shows which plaintexts share a prefix.
func (f *Fernet256) EncryptAtTime(plain []byte, ts uint64, iv []byte) ([]byte, error) {
	if len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("cachegen: fernet256: iv must be %d bytes, got %d", aes.BlockSize, len(iv))
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	// raw is scratch (only its base64 form leaves): pooled.
	n := headerLen + len(plain) + pad
	bp := rawPool.Get().(*[]byte)
	if cap(*bp) < n+sha256.Size {
		*bp = make([]byte, 0, n+sha256.Size)
	}
	raw := (*bp)[:n]
	raw[0] = version256
	binary.BigEndian.PutUint64(raw[1:], ts)
	copy(raw[9:], iv)
	ct := raw[headerLen:]
	copy(ct, plain)
	for i := len(plain); i < len(ct); i++ {
		ct[i] = byte(pad)
	}
	f.k.cbcEncrypt(ct, ct, iv)
	raw = f.tag(raw, raw) // appends in place: raw has room for the tag
	out := make([]byte, stdURL.EncodedLen(len(raw)))
	encodeURL(out, raw)
	if cap(raw) <= maxPooled {
		*bp = raw[:0]
		rawPool.Put(bp)
	}
	return out, nil
}

// rawPool holds Encrypt's scratch buffers (the raw token before base64);
// maxPooled keeps one huge value from pinning its buffer.
var rawPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooled = 64 << 10

// encryptAt is EncryptAtTime with a nil iv meaning a random one.
func (f *Fernet256) encryptAt(plain []byte, ts uint64, iv []byte) ([]byte, error) {
	if iv == nil {
		iv = randomBytes(aes.BlockSize)
	}
	return f.EncryptAtTime(plain, ts, iv)
}

// Decrypt returns the plaintext of token without looking at its timestamp,
// as rick's CryptRedisCache does (expiry is Redis's job there).
func (f *Fernet256) Decrypt(token []byte) ([]byte, error) {
	raw, err := f.verify(token)
	if err != nil {
		return nil, err
	}
	return f.open(raw)
}

// DecryptAtTime is rick's decrypt_at_time(token, ttl, now): the token must be
// at most ttl old at now (age == ttl passes) and dated at most 60 s after now.
// Comparisons are in whole seconds, as in rick: now is truncated and ttl
// floored, which gives exactly rick's result for fractional ttls too. rick
// rejects ttl=None; Go has no such value, so every ttl is checked (0 accepts
// only the same second, a negative ttl nothing) and Decrypt is the unchecked
// form.
func (f *Fernet256) DecryptAtTime(token []byte, ttl time.Duration, now time.Time) ([]byte, error) {
	raw, err := f.verify(token)
	if err != nil {
		return nil, err
	}
	if !fresh(raw, ttl, now) {
		return nil, ErrInvalidToken
	}
	return f.open(raw)
}

// ExtractTimestamp returns the timestamp of an authentic token without
// decrypting it, so a bad padding goes unnoticed, as in rick. Unlike rick it
// also rejects a signed token whose ciphertext is empty or not whole blocks,
// which only a key holder can make and Decrypt would reject.
func (f *Fernet256) ExtractTimestamp(token []byte) (uint64, error) {
	raw, err := f.verify(token)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint64(raw[1:]), nil
}

// verify decodes token and checks its shape, version and HMAC. The shape
// checks cover everything rick rejects later (a ciphertext that is empty or
// not whole blocks), so open only has the padding left to check.
func (f *Fernet256) verify(token []byte) ([]byte, error) {
	raw, err := decode(token)
	if err != nil || !wellFormed(raw, version256) {
		return nil, ErrInvalidToken
	}
	n := len(raw) - sha256.Size
	// The expected tag goes into raw's spare capacity (see decode).
	if !hmac.Equal(f.tag(raw[len(raw):], raw[:n]), raw[n:]) {
		return nil, ErrInvalidToken
	}
	return raw, nil
}

// open decrypts raw's ciphertext in place (raw is the caller's own buffer,
// fresh from decode) and returns the unpadded plaintext, which aliases raw.
func (f *Fernet256) open(raw []byte) ([]byte, error) {
	pt := raw[headerLen : len(raw)-sha256.Size]
	f.k.cbcDecrypt(pt, pt, raw[9:headerLen])
	// The HMAC already proved the token genuine, so a padding check that
	// is not constant time cannot become a padding oracle.
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, ErrInvalidToken
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return nil, ErrInvalidToken
		}
	}
	return pt[:len(pt)-pad], nil
}

// tag appends the HMAC-SHA256 of msg to dst. The keyed HMACs are pooled:
// Reset restores the keyed state without rehashing the key.
func (f *Fernet256) tag(dst, msg []byte) []byte {
	h, _ := f.k.macs.Get().(hash.Hash)
	if h == nil {
		h = hmac.New(sha256.New, f.k.sign[:])
	} else {
		h.Reset()
	}
	h.Write(msg)
	dst = h.Sum(dst)
	f.k.macs.Put(h)
	return dst
}

// String, GoString and Format keep key material out of every fmt verb and
// out of logs.
func (f Fernet256) String() string                { return "fernet.Fernet256{…}" }
func (f Fernet256) GoString() string              { return f.String() }
func (f Fernet256) Format(s fmt.State, verb rune) { io.WriteString(s, f.String()) }

// decode returns the raw bytes of a token, with spare capacity for one
// SHA-256 sum (where verify computes the expected tag).
func decode(token []byte) ([]byte, error) {
	if !useAVX2 {
		return decodeFallback(token)
	}
	raw := make([]byte, stdURL.DecodedLen(len(token)), stdURL.DecodedLen(len(token))+sha256.Size)
	// The spare capacity is the SIMD blocks' slack (they write 8 bytes past
	// their output); the tag overwrites it.
	n, err := decodeURL(raw[:cap(raw)], token)
	return raw[:n], err
}

// decodeFallback is decode without AVX2, as before decodeURL.
func decodeFallback(token []byte) ([]byte, error) {
	// IndexByte scans (vectorised) rather than ContainsAny, which tests
	// byte by byte and cost as much as the base64 decoding itself.
	// encoding/base64 skips CR and LF; segmentio's SIMD decoder also takes
	// the standard alphabet's '+' and '/' for '-' and '_'. Refusing the four
	// first makes enc exactly as strict as encoding/base64's
	// URLEncoding.Strict() (TestBase64Differential).
	if bytes.IndexByte(token, '\r') >= 0 || bytes.IndexByte(token, '\n') >= 0 ||
		bytes.IndexByte(token, '+') >= 0 || bytes.IndexByte(token, '/') >= 0 {
		return nil, ErrInvalidToken
	}
	raw := make([]byte, enc.DecodedLen(len(token)), enc.DecodedLen(len(token))+sha256.Size)
	n, err := enc.Decode(raw, token)
	return raw[:n], err
}

func wellFormed(raw []byte, version byte) bool {
	return len(raw) >= overhead+aes.BlockSize && (len(raw)-overhead)%aes.BlockSize == 0 && raw[0] == version
}

// fresh reports rick's time check. Timestamps are uint64 and Python ints do
// not overflow, so the sums are done in big.Int rather than wrapping.
func fresh(raw []byte, ttl time.Duration, now time.Time) bool {
	secs := int64(ttl / time.Second)
	if ttl%time.Second < 0 {
		secs--
	}
	ts := new(big.Int).SetUint64(binary.BigEndian.Uint64(raw[1:]))
	n := big.NewInt(now.Unix())
	expired := new(big.Int).Add(ts, big.NewInt(secs)).Cmp(n) < 0
	future := new(big.Int).Add(n, big.NewInt(maxSkewSecs)).Cmp(ts) < 0
	return !expired && !future
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24: it crashes the program instead
	return b
}

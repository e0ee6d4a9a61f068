package fernet_test

// Ports of rick's tests/crypto/test_fernet256.py, checklist F1–F30 of
// RICK.md §11, one test each.

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/fernet"
)

func newFernet(t testing.TB) *fernet.Fernet256 {
	t.Helper()
	f, err := fernet.ParseKey256(fernet.GenerateKey256())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func newMulti(t testing.TB, cs ...fernet.Cipher) *fernet.Multi {
	t.Helper()
	m, err := fernet.NewMulti(cs...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustEncrypt(t testing.TB, c fernet.Cipher, plain []byte) []byte {
	t.Helper()
	tok, err := c.Encrypt(plain)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func mustDecrypt(t testing.TB, c fernet.Cipher, tok, want []byte) {
	t.Helper()
	got, err := c.Decrypt(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Decrypt = %q, want %q", got, want)
	}
}

func rawOf(t testing.TB, tok []byte) []byte {
	t.Helper()
	raw, err := base64.URLEncoding.DecodeString(string(tok))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func b64(raw []byte) []byte { return []byte(base64.URLEncoding.EncodeToString(raw)) }

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

const keyMsg = "Fernet key must be 64 url-safe base64-encoded bytes."

func TestF01KeyGeneration(t *testing.T) {
	k := fernet.GenerateKey256()
	if len(k) != 88 || !strings.HasSuffix(k, "==") {
		t.Fatalf("key %q: want 88 characters ending in ==", k)
	}
	if raw, err := base64.URLEncoding.DecodeString(k); err != nil || len(raw) != 64 {
		t.Fatalf("key decodes to %d bytes, %v", len(raw), err)
	}
	if _, err := fernet.ParseKey256(k); err != nil {
		t.Fatal(err)
	}
}

func TestF02KeyValidation(t *testing.T) {
	if _, err := fernet.ParseKey256(fernet.GenerateKey256()); err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{9, 32, 100} {
		_, err := fernet.ParseKey256(base64.URLEncoding.EncodeToString(make([]byte, n)))
		if err == nil || !strings.Contains(err.Error(), keyMsg) {
			t.Fatalf("%d bytes: err = %v", n, err)
		}
		if _, err := fernet.New256(make([]byte, n)); err == nil {
			t.Fatalf("New256(%d bytes) succeeded", n)
		}
	}
	if _, err := fernet.ParseKey256("not_base64!"); err == nil {
		t.Fatal("not_base64! accepted")
	}
}

func TestF03EncryptDecryptBasic(t *testing.T) {
	f := newFernet(t)
	for _, data := range [][]byte{
		[]byte("hello world"),
		{},
		bytes.Repeat([]byte("a"), 1000),
		{0, 1, 2, 0xff, 0xfe, 0xfd},
		[]byte("unicode: héllo wörld 🔒"),
		[]byte("!@#$%^&*()_+-=[]{}|;':\",./<>?"),
	} {
		tok := mustEncrypt(t, f, data)
		rawOf(t, tok)
		mustDecrypt(t, f, tok, data)
	}
}

func TestF04EncryptDecryptDeterministic(t *testing.T) {
	f := newFernet(t)
	data := []byte("same data")
	seen := map[string]bool{}
	for range 5 {
		tok := mustEncrypt(t, f, data)
		seen[string(tok)] = true
		mustDecrypt(t, f, tok, data)
	}
	if len(seen) != 5 {
		t.Fatalf("%d distinct tokens, want 5", len(seen))
	}
}

func TestF05EncryptAtTime(t *testing.T) {
	f := newFernet(t)
	tok, err := f.EncryptAtTime([]byte("data"), 1234567890, randBytes(16))
	if err != nil {
		t.Fatal(err)
	}
	mustDecrypt(t, f, tok, []byte("data"))
	if ts, err := f.ExtractTimestamp(tok); err != nil || ts != 1234567890 {
		t.Fatalf("ExtractTimestamp = %d, %v", ts, err)
	}
	if _, err := f.EncryptAtTime(nil, 0, make([]byte, 15)); err == nil {
		t.Fatal("15-byte IV accepted")
	}
}

func TestF06DecryptWithTTL(t *testing.T) {
	f := newFernet(t)
	const now = 1700000000
	tok, _ := f.EncryptAtTime([]byte("ttl"), now, randBytes(16))
	if got, err := f.DecryptAtTime(tok, time.Hour, time.Unix(now+10, 0)); err != nil || string(got) != "ttl" {
		t.Fatalf("fresh: %q, %v", got, err)
	}
	_, err := f.DecryptAtTime(tok, 10*time.Second, time.Unix(now+20, 0))
	wantInvalid(t, err)
	future, _ := f.EncryptAtTime([]byte("ttl"), now+120, randBytes(16))
	_, err = f.DecryptAtTime(future, time.Hour, time.Unix(now, 0))
	wantInvalid(t, err)
	mustDecrypt(t, f, future, []byte("ttl")) // no time check without a ttl
}

// Go deliberately differs: a time.Duration cannot be None, so there is no
// ValueError; every ttl is a real check (0 = same second only) and Decrypt is
// the unchecked form.
func TestF07DecryptAtTimeRequiresTTL(t *testing.T) {
	f := newFernet(t)
	tok, _ := f.EncryptAtTime([]byte("x"), 100, randBytes(16))
	if _, err := f.DecryptAtTime(tok, 0, time.Unix(100, 999e6)); err != nil {
		t.Fatal(err)
	}
	_, err := f.DecryptAtTime(tok, 0, time.Unix(101, 0))
	wantInvalid(t, err)
	_, err = f.DecryptAtTime(tok, -time.Nanosecond, time.Unix(100, 0)) // floored to -1 s, as Python compares
	wantInvalid(t, err)
}

func TestF08ExtractTimestamp(t *testing.T) {
	f := newFernet(t)
	for _, ts := range []uint64{0, 1234567890, uint64(time.Now().Unix()), 2147483647} {
		tok, _ := f.EncryptAtTime([]byte("x"), ts, randBytes(16))
		if got, err := f.ExtractTimestamp(tok); err != nil || got != ts {
			t.Fatalf("ExtractTimestamp = %d, %v; want %d", got, err, ts)
		}
	}
}

func TestF09InvalidTokenHandling(t *testing.T) {
	f := newFernet(t)
	for _, tok := range [][]byte{
		[]byte(""),
		[]byte("invalid"),
		[]byte("aW52YWxpZA=="),
		b64(append([]byte{0x80}, make([]byte, 50)...)),
		b64(append([]byte{0x81}, make([]byte, 7)...)),
	} {
		_, err := f.Decrypt(tok)
		wantInvalid(t, err)
	}
}

func TestF10TamperedTokenDetection(t *testing.T) {
	f := newFernet(t)
	tok := mustEncrypt(t, f, []byte("tamper me"))
	for name, tamper := range map[string]func([]byte){
		"version":    func(r []byte) { r[0] = 0x82 },
		"timestamp":  func(r []byte) { clear(r[1:9]) },
		"iv":         func(r []byte) { clear(r[9:25]) },
		"ciphertext": func(r []byte) { clear(r[25:41]) },
		"hmac":       func(r []byte) { clear(r[len(r)-32:]) },
	} {
		raw := rawOf(t, tok)
		tamper(raw)
		if _, err := f.Decrypt(b64(raw)); err == nil {
			t.Fatalf("%s: tampered token accepted", name)
		} else {
			wantInvalid(t, err)
		}
	}
}

func TestF11DifferentKeysIncompatible(t *testing.T) {
	f1, f2 := newFernet(t), newFernet(t)
	tok := mustEncrypt(t, f1, []byte("secret"))
	mustDecrypt(t, f1, tok, []byte("secret"))
	_, err := f2.Decrypt(tok)
	wantInvalid(t, err)
}

func TestF12TokenStructureValidation(t *testing.T) {
	f := newFernet(t)
	raw := rawOf(t, mustEncrypt(t, f, []byte("structure")))
	if raw[0] != 0x81 || binary.BigEndian.Uint64(raw[1:9]) == 0 || len(raw) < 57 || len(raw[9:25]) != 16 {
		t.Fatalf("bad structure: % x", raw)
	}
	// Reproducing the HMAC over everything before it proves its position.
	f2, _ := fernet.New256(bytes.Repeat([]byte("k"), 64))
	tok, _ := f2.EncryptAtTime([]byte("structure"), 1, make([]byte, 16))
	raw = rawOf(t, tok)
	if !bytes.Equal(raw[len(raw)-32:], hmacSHA256(bytes.Repeat([]byte("k"), 32), raw[:len(raw)-32])) {
		t.Fatal("the last 32 bytes are not the HMAC of the rest")
	}
}

func TestF13LargeDataEncryption(t *testing.T) {
	f := newFernet(t)
	for _, n := range []int{1, 15, 16, 17, 1000, 16384, 65536} {
		data := randBytes(n)
		mustDecrypt(t, f, mustEncrypt(t, f, data), data)
	}
}

func TestF14ConcurrentOperations(t *testing.T) {
	f := newFernet(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for w := range 10 {
		wg.Go(func() {
			for i := range 5 {
				data := []byte(strings.Repeat("x", w*5+i))
				tok, err := f.Encrypt(data)
				if err == nil {
					var got []byte
					if got, err = f.Decrypt(tok); err == nil && !bytes.Equal(got, data) {
						err = fernet.ErrInvalidToken
					}
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestF15MultiFernetCreation(t *testing.T) {
	m := newMulti(t, newFernet(t), newFernet(t), newFernet(t))
	if m.Len() != 3 {
		t.Fatalf("Len = %d", m.Len())
	}
	if _, err := fernet.NewMulti(); err == nil || !strings.Contains(err.Error(), "MultiFernet requires at least one Fernet instance") {
		t.Fatalf("err = %v", err)
	}
}

func TestF16MultiFernetEncryptDecrypt(t *testing.T) {
	m := newMulti(t, newFernet(t), newFernet(t))
	mustDecrypt(t, m, mustEncrypt(t, m, []byte("multi")), []byte("multi"))
}

func TestF17MultiFernetKeyRotation(t *testing.T) {
	oldF, cur, newF := newFernet(t), newFernet(t), newFernet(t)
	tok := mustEncrypt(t, newMulti(t, cur), []byte("data"))
	m := newMulti(t, newF, cur, oldF)
	mustDecrypt(t, m, tok, []byte("data"))
	tok2 := mustEncrypt(t, m, []byte("data"))
	mustDecrypt(t, newF, tok2, []byte("data"))
	mustDecrypt(t, m, tok2, []byte("data"))
	if bytes.Equal(tok, tok2) {
		t.Fatal("tokens equal")
	}
}

func TestF18MultiFernetRotateFunction(t *testing.T) {
	oldF, newF := newFernet(t), newFernet(t)
	m := newMulti(t, newF, oldF)
	oldTok := mustEncrypt(t, oldF, []byte("rotate"))
	newTok, err := m.Rotate(oldTok)
	if err != nil {
		t.Fatal(err)
	}
	mustDecrypt(t, m, oldTok, []byte("rotate"))
	mustDecrypt(t, m, newTok, []byte("rotate"))
	mustDecrypt(t, newF, newTok, []byte("rotate"))
	_, err = oldF.Decrypt(newTok)
	wantInvalid(t, err)
}

func TestF19MultiFernetDecryptWithTTL(t *testing.T) {
	f := newFernet(t)
	m := newMulti(t, newFernet(t), f)
	tok, _ := f.EncryptAtTime([]byte("ttl"), 1000, randBytes(16))
	if got, err := m.DecryptAtTime(tok, time.Hour, time.Unix(1010, 0)); err != nil || string(got) != "ttl" {
		t.Fatalf("%q, %v", got, err)
	}
	_, err := m.DecryptAtTime(tok, 10*time.Second, time.Unix(1020, 0))
	wantInvalid(t, err)
}

func TestF20MultiFernetInvalidTokenHandling(t *testing.T) {
	m := newMulti(t, newFernet(t), newFernet(t))
	for _, tok := range [][]byte{[]byte("invalid_token"), {}, b64([]byte("invalid_structure"))} {
		_, err := m.Decrypt(tok)
		wantInvalid(t, err)
		_, err = m.Rotate(tok)
		wantInvalid(t, err)
	}
}

func TestF21KeyIndependence(t *testing.T) {
	var fs []*fernet.Fernet256
	var toks [][]byte
	for range 5 {
		f := newFernet(t)
		fs = append(fs, f)
		toks = append(toks, mustEncrypt(t, f, []byte("same")))
	}
	for i, tok := range toks {
		for j, f := range fs {
			_, err := f.Decrypt(tok)
			if i == j && err != nil {
				t.Fatal(err)
			}
			if i != j {
				wantInvalid(t, err)
			}
		}
	}
}

// As in rick, only the outcome is checked; the constant-time part is
// hmac.Equal.
func TestF22TimingAttackResistance(t *testing.T) {
	f := newFernet(t)
	tok := mustEncrypt(t, f, []byte("timing"))
	for _, bad := range [][]byte{
		[]byte("short"),
		bytes.Repeat([]byte("a"), 100),
		b64(bytes.Repeat([]byte("x"), 73)),
		append(bytes.Clone(tok[:len(tok)-4]), "xxxx"...),
	} {
		_, err := f.Decrypt(bad)
		wantInvalid(t, err)
	}
}

func TestF23RandomnessQuality(t *testing.T) {
	f := newFernet(t)
	toks, ivs := map[string]bool{}, map[string]bool{}
	var counts [256]int
	for range 100 {
		tok := mustEncrypt(t, f, []byte("random"))
		iv := rawOf(t, tok)[9:25]
		toks[string(tok)], ivs[string(iv)] = true, true
		for _, b := range iv {
			counts[b]++
		}
	}
	if len(toks) != 100 || len(ivs) != 100 {
		t.Fatalf("%d distinct tokens, %d distinct IVs", len(toks), len(ivs))
	}
	for b, n := range counts {
		if n > 160 {
			t.Fatalf("byte %#x is %d of 1600 IV bytes", b, n)
		}
	}
}

func TestF24KeyFormatSecurity(t *testing.T) {
	k1, _ := base64.URLEncoding.DecodeString(fernet.GenerateKey256())
	k2, _ := base64.URLEncoding.DecodeString(fernet.GenerateKey256())
	unique := map[byte]bool{}
	diff := 0
	for i := range k1 {
		unique[k1[i]] = true
		if k1[i] != k2[i] {
			diff++
		}
	}
	if len(k1) != 64 || len(unique) <= 30 || diff <= 30 {
		t.Fatalf("len %d, %d unique bytes, %d differing positions", len(k1), len(unique), diff)
	}
}

func TestF25EmptyDataEncryption(t *testing.T) {
	f := newFernet(t)
	mustDecrypt(t, f, mustEncrypt(t, f, []byte{}), []byte{})
}

func TestF26MaximumTimestampValues(t *testing.T) {
	f := newFernet(t)
	for _, ts := range []uint64{1<<64 - 1, 0} {
		tok, _ := f.EncryptAtTime([]byte("max"), ts, randBytes(16))
		if got, err := f.ExtractTimestamp(tok); err != nil || got != ts {
			t.Fatalf("ExtractTimestamp = %d, %v; want %d", got, err, ts)
		}
		mustDecrypt(t, f, tok, []byte("max"))
	}
}

func TestF27MalformedTokenStructure(t *testing.T) {
	f := newFernet(t)
	toks := [][]byte{
		b64([]byte{0x81}),
		b64(append([]byte{0x81}, make([]byte, 8)...)),
		b64(append([]byte{0x81}, make([]byte, 24)...)),
		b64(append([]byte{0x81}, make([]byte, 40)...)),
	}
	for _, v := range []byte{0x00, 0x82, 0xff} {
		toks = append(toks, b64(append([]byte{v}, make([]byte, 72)...)))
	}
	for _, tok := range toks {
		_, err := f.Decrypt(tok)
		wantInvalid(t, err)
	}
}

// Go deliberately differs: passing a string where []byte is expected is a
// compile-time error, not a TypeError; converted text round-trips as UTF-8.
func TestF28UnicodeStringHandling(t *testing.T) {
	f := newFernet(t)
	s := "unicode string with émojis 🔒"
	mustDecrypt(t, f, mustEncrypt(t, f, []byte(s)), []byte(s))
}

// Go deliberately differs: a nil []byte is just empty input (there is no
// separate None), so Encrypt(nil) encrypts b"" and Decrypt(nil) is an invalid
// token rather than a TypeError.
func TestF29NoneInputHandling(t *testing.T) {
	f := newFernet(t)
	mustDecrypt(t, f, mustEncrypt(t, f, nil), nil)
	_, err := f.Decrypt(nil)
	wantInvalid(t, err)
}

func TestF30MemoryEfficiency(t *testing.T) {
	f := newFernet(t)
	for _, n := range []int{1024, 10 * 1024, 100 * 1024} {
		data := randBytes(n)
		tok := mustEncrypt(t, f, data)
		mustDecrypt(t, f, tok, data)
		if l := len(rawOf(t, tok)); l < n+73 || l > n+73+16 {
			t.Fatalf("%d bytes: raw token %d bytes", n, l)
		}
	}
}

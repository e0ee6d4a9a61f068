package fernet_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/fernet"
)

func hmacSHA256(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

// handToken builds a token from already padded plaintext with the standard
// library alone, independently of the package under test. The AES key size
// picks AES-128 (standard Fernet) or AES-256 (Fernet256).
func handToken(version byte, signKey, encKey []byte, ts uint64, iv, padded []byte) []byte {
	raw := append([]byte{version}, binary.BigEndian.AppendUint64(nil, ts)...)
	raw = append(raw, iv...)
	ct := make([]byte, len(padded))
	block, err := aes.NewCipher(encKey)
	if err != nil {
		panic(err)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
	raw = append(raw, ct...)
	return b64(append(raw, hmacSHA256(signKey, raw)...))
}

// Made with Python's cryptography 48.0.0:
// Fernet(key)._encrypt_from_parts(b"hello from python", 1700000000, bytes(range(100, 116)))
// and Fernet(key).encrypt_at_time(b"", 1234567890).
const (
	pyKey       = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	pyToken     = "gAAAAABlU_EAZGVmZ2hpamtsbW5vcHFyc841idzdrbGVO6WF6IhxgqnhUBvvvPWVqh6t055RHKjSIX5gmN6NL67TUo2oWj5AIIt4Oq8vEQjbcoxw9GEl7Y0="
	pyEmptyTime = "gAAAAABJlgLSUOeYcPvF62AP1Zuq3MdPxZFo4XDyeFAZlYp6q-nk8q3qE8vJtWfASPlE_eaPlwOH5NzTRzM58N5yCoes2fZ0tg=="
)

func pyStandard(t testing.TB) (*fernet.Standard, []byte) {
	t.Helper()
	s, err := fernet.NewStandard(pyKey)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := base64.URLEncoding.DecodeString(pyKey)
	return s, key
}

func TestStandardPythonInterop(t *testing.T) {
	s, key := pyStandard(t)
	mustDecrypt(t, s, []byte(pyToken), []byte("hello from python"))
	mustDecrypt(t, s, []byte(pyEmptyTime), nil) // dated 2009: no TTL is enforced
	iv := []byte{100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115}
	padded := append([]byte("hello from python"), bytes.Repeat([]byte{15}, 15)...)
	if got := handToken(0x80, key[:16], key[16:], 1700000000, iv, padded); string(got) != pyToken {
		t.Fatalf("hand-made token differs from Python's:\n%s", got)
	}
	for _, data := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("16 bytes exactly"), 4)} {
		mustDecrypt(t, s, mustEncrypt(t, s, data), data)
	}
}

func TestStandardDecryptAtTime(t *testing.T) {
	s, _ := pyStandard(t)
	if _, err := s.DecryptAtTime([]byte(pyToken), 10*time.Second, time.Unix(1700000010, 0)); err != nil {
		t.Fatal(err)
	}
	_, err := s.DecryptAtTime([]byte(pyToken), 10*time.Second, time.Unix(1700000011, 0))
	wantInvalid(t, err)
	_, err = s.DecryptAtTime([]byte(pyToken), time.Hour, time.Unix(1699999939, 0))
	wantInvalid(t, err)
}

func TestStandardKeyValidation(t *testing.T) {
	for _, k := range []string{
		"",
		base64.URLEncoding.EncodeToString(make([]byte, 31)),
		base64.URLEncoding.EncodeToString(make([]byte, 64)),
		base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		strings.Repeat("ab", 32), // hex: fernet-go's DecodeKey would take it, Python would not
		pyKey + "\n",
		"not a key",
	} {
		if _, err := fernet.NewStandard(k); err == nil || !strings.Contains(err.Error(), "32 url-safe base64-encoded bytes") {
			t.Errorf("NewStandard(%q) err = %v", k, err)
		}
	}
}

// TestStandardRejects covers what fernet-go alone gets wrong: trailing
// garbage, skipped newlines, a pad byte of 0 and short signed tokens (which
// make it panic).
func TestStandardRejects(t *testing.T) {
	s, key := pyStandard(t)
	sign, encK, iv := key[:16], key[16:], make([]byte, 16)
	nl := []byte(pyToken)
	nl = append(nl[:10:10], append([]byte("\n"), nl[10:]...)...)
	short := append([]byte{0x80}, make([]byte, 8+16)...)
	for name, tok := range map[string][]byte{
		"trailing garbage":      []byte(pyToken + "!!!!"),
		"newline":               nl,
		"zero pad":              handToken(0x80, sign, encK, 1, iv, make([]byte, 16)),
		"pad 17":                handToken(0x80, sign, encK, 1, iv, bytes.Repeat([]byte{17}, 32)),
		"signed, no ciphertext": b64(append(short, hmacSHA256(sign, short)...)),
		"signed, 8 bytes":       b64(append(short[:8:8], hmacSHA256(sign, short[:8])...)),
		"fernet256 version":     handToken(0x81, sign, encK, 1, iv, bytes.Repeat([]byte{16}, 16)),
		"empty":                 nil,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Decrypt(tok)
			wantInvalid(t, err)
		})
	}
	mustDecrypt(t, s, handToken(0x80, sign, encK, 1, iv, bytes.Repeat([]byte{16}, 16)), nil)
}

// TestFernet256HandToken checks rick's layout against a token built from
// the standard library alone, and a pad of 0 signed with the right key.
func TestFernet256HandToken(t *testing.T) {
	key := []byte(strings.Repeat("0123456789abcdef", 4))
	f := cryptKey(t, string(key))
	iv := bytes.Repeat([]byte{7}, 16)
	want := handToken(0x81, key[:32], key[32:], 42, iv, append([]byte("abc"), bytes.Repeat([]byte{13}, 13)...))
	if got, _ := f.EncryptAtTime([]byte("abc"), 42, iv); !bytes.Equal(got, want) {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	_, err := f.Decrypt(handToken(0x81, key[:32], key[32:], 42, iv, make([]byte, 16)))
	wantInvalid(t, err)
}

func TestMultiMixed(t *testing.T) {
	s, _ := pyStandard(t)
	f := newFernet(t)
	m := newMulti(t, s, f)
	mustDecrypt(t, m, []byte(pyToken), []byte("hello from python"))
	tok256, _ := f.EncryptAtTime([]byte("old"), 1600000000, make([]byte, 16))
	mustDecrypt(t, m, tok256, []byte("old"))

	// Rotating into standard Fernet keeps the timestamp too.
	rot, err := m.Rotate(tok256)
	if err != nil {
		t.Fatal(err)
	}
	if raw := rawOf(t, rot); raw[0] != 0x80 || binary.BigEndian.Uint64(raw[1:9]) != 1600000000 {
		t.Fatalf("rotated header % x", raw[:9])
	}
	mustDecrypt(t, s, rot, []byte("old"))
	if _, err := m.RotateWithIV(tok256, make([]byte, 16)); err == nil || errors.Is(err, fernet.ErrInvalidToken) {
		t.Fatalf("RotateWithIV with a standard first cipher: %v", err)
	}
	if _, err := newMulti(t, f).RotateWithIV(tok256, make([]byte, 8)); err == nil {
		t.Fatal("8-byte IV accepted")
	}
	got, err := m.DecryptAtTime([]byte(pyToken), time.Minute, time.Unix(1700000000, 0))
	if err != nil || string(got) != "hello from python" {
		t.Fatalf("DecryptAtTime = %q, %v", got, err)
	}
}

// plainCipher is a custom Cipher: no timestamps, its own errors.
type plainCipher struct{ err error }

func (p plainCipher) Encrypt(b []byte) ([]byte, error) { return append([]byte("plain:"), b...), nil }
func (p plainCipher) Decrypt(b []byte) ([]byte, error) {
	if p.err != nil {
		return nil, p.err
	}
	if rest, ok := bytes.CutPrefix(b, []byte("plain:")); ok {
		return rest, nil
	}
	return nil, fernet.ErrInvalidToken
}

func TestMultiCustomCipher(t *testing.T) {
	f := newFernet(t)
	tok := mustEncrypt(t, f, []byte("v"))
	boom := errors.New("boom")
	// rick catches only InvalidToken: other errors stop the search.
	if _, err := newMulti(t, plainCipher{err: boom}, f).Decrypt(tok); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	m := newMulti(t, plainCipher{}, f)
	mustDecrypt(t, m, tok, []byte("v"))
	if rot, err := m.Rotate(tok); err != nil || string(rot) != "plain:v" {
		t.Fatalf("Rotate = %q, %v", rot, err)
	}
	_, err := newMulti(t, plainCipher{}).DecryptAtTime([]byte("plain:v"), time.Hour, time.Now())
	wantInvalid(t, err)
	if _, err := fernet.NewMulti(f, nil); err == nil {
		t.Fatal("nil cipher accepted")
	}
	// A Multi inside a Multi keeps the timestamp on rotation.
	old, _ := f.EncryptAtTime([]byte("v"), 5, make([]byte, 16))
	rot, err := newMulti(t, newMulti(t, f)).Rotate(old)
	if ts, err2 := f.ExtractTimestamp(rot); err != nil || err2 != nil || ts != 5 {
		t.Fatalf("nested rotate: ts %d, %v, %v", ts, err, err2)
	}
}

func TestNoKeyLeak(t *testing.T) {
	key := []byte(strings.Repeat("Zq", 32))
	f, _ := fernet.New256(key)
	s, _ := fernet.NewStandard(base64.URLEncoding.EncodeToString(key[:32]))
	m := newMulti(t, f, s)
	type holder struct {
		f fernet.Fernet256
		s fernet.Standard
		m fernet.Multi
	}
	secrets := []string{"ZqZq", "5a715a71", "5A715A71", "90 113 90", "90, 113, 90"}
	for _, v := range []any{f, *f, s, *s, m, *m, holder{*f, *s, *m}, &holder{*f, *s, *m}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			out := fmt.Sprintf(verb, v)
			for _, sec := range secrets {
				if strings.Contains(out, sec) {
					t.Fatalf("%s of %T leaks the key: %s", verb, v, out)
				}
			}
		}
	}
	for v, want := range map[any]string{f: "fernet.Fernet256{…}", s: "fernet.Standard{…}", m: "fernet.Multi{2 ciphers}"} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if got := fmt.Sprintf(verb, v); got != want {
				t.Errorf("%s = %q, want %q", verb, got, want)
			}
		}
	}
}

func TestNeverPanics(t *testing.T) {
	f := newFernet(t)
	s, _ := pyStandard(t)
	m := newMulti(t, f, s)
	for _, tok := range [][]byte{nil, {}, {'='}, []byte("===="), []byte("\r\n"), bytes.Repeat([]byte{0xff}, 200)} {
		for _, c := range []fernet.Cipher{f, s, m} {
			_, err := c.Decrypt(tok)
			wantInvalid(t, err)
		}
		_, err := f.ExtractTimestamp(tok)
		wantInvalid(t, err)
		_, err = m.Rotate(tok)
		wantInvalid(t, err)
	}
}

func BenchmarkFernet256(b *testing.B) {
	f := newFernet(b)
	for _, n := range []int{200, 1024} {
		data := randBytes(n)
		tok := mustEncrypt(b, f, data)
		b.Run(fmt.Sprintf("Encrypt/%dB", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				f.Encrypt(data)
			}
		})
		b.Run(fmt.Sprintf("Decrypt/%dB", n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				if _, err := f.Decrypt(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package fernet_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime/internal/fernet"
)

// FuzzDecrypt feeds arbitrary bytes to every decrypting entry point: none
// may panic, every failure must be ErrInvalidToken, and nothing but the
// tokens that already decrypted before fuzzing may decrypt: a mutated token
// cannot, since forging one needs the key (and the strict, canonical base64
// leaves no second spelling of a token).
func FuzzDecrypt(f *testing.F) {
	const key = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	c := cryptKey(f, key)
	s, _ := fernet.NewStandard("YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=")
	m, _ := fernet.NewMulti(s, c)
	genuine := map[string][]byte{} // token → plaintext
	signed := map[string]bool{}    // tokens with a valid HMAC (ExtractTimestamp)
	v := loadVectors(f)
	var seeds []string
	for _, x := range v.Valid {
		seeds = append(seeds, x.Token)
	}
	for _, x := range v.Invalid {
		seeds = append(seeds, x.Token)
	}
	for _, x := range v.Lenient {
		seeds = append(seeds, x.Token)
	}
	for _, tok := range seeds {
		f.Add([]byte(tok))
		if p, err := c.Decrypt([]byte(tok)); err == nil {
			genuine[tok] = p
		}
		if _, err := c.ExtractTimestamp([]byte(tok)); err == nil {
			signed[tok] = true
		}
	}
	if len(genuine) < 6 {
		f.Fatalf("only %d genuine seeds", len(genuine))
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		check := func(what string, plain []byte, err error) {
			want, ok := genuine[string(tok)]
			switch {
			case err == nil && !ok:
				t.Fatalf("%s accepted a token that was never made: %q", what, tok)
			case err == nil && !bytes.Equal(plain, want):
				t.Fatalf("%s = %x, want %x", what, plain, want)
			case err != nil && !errors.Is(err, fernet.ErrInvalidToken):
				t.Fatalf("%s: %v is not ErrInvalidToken", what, err)
			}
		}
		p, err := c.Decrypt(tok)
		check("Decrypt", p, err)
		p, err = m.Decrypt(tok)
		check("Multi.Decrypt", p, err)
		p, err = c.DecryptAtTime(tok, 1<<62, time.Unix(1<<40, 0))
		check("DecryptAtTime", p, err)
		if _, err = c.ExtractTimestamp(tok); err == nil && !signed[string(tok)] {
			t.Fatalf("ExtractTimestamp accepted a token that was never made: %q", tok)
		} else if err != nil && !errors.Is(err, fernet.ErrInvalidToken) {
			t.Fatalf("ExtractTimestamp: %v", err)
		}
		if _, err := s.Decrypt(tok); !errors.Is(err, fernet.ErrInvalidToken) {
			t.Fatalf("Standard.Decrypt: %v", err)
		}
		if _, err := m.Rotate(tok); err != nil && !errors.Is(err, fernet.ErrInvalidToken) {
			t.Fatalf("Rotate: %v", err)
		}
	})
}

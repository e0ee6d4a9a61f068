package fernet

import (
	"crypto/aes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Multi is rick's MultiFernet256: it encrypts with its first cipher and
// decrypts with whichever cipher accepts the token, so keys can be rotated
// by putting the new key first and keeping the old ones behind it. It is as
// safe for concurrent use as its ciphers; the zero value is not usable.
type Multi struct {
	ciphers []Cipher
}

// NewMulti builds a Multi over ciphers, in order of preference.
func NewMulti(ciphers ...Cipher) (*Multi, error) {
	if len(ciphers) == 0 {
		return nil, errors.New("cachegen: MultiFernet requires at least one Fernet instance")
	}
	if slices.Contains(ciphers, nil) {
		return nil, errors.New("cachegen: fernet: nil cipher")
	}
	return &Multi{ciphers: slices.Clone(ciphers)}, nil
}

// Len returns the number of ciphers.
func (m *Multi) Len() int { return len(m.ciphers) }

// Encrypt encrypts with the first cipher.
func (m *Multi) Encrypt(plain []byte) ([]byte, error) { return m.ciphers[0].Encrypt(plain) }

// Decrypt returns the first successful decryption, in cipher order. As in
// rick, only ErrInvalidToken moves on to the next cipher; any other error
// (from a custom Cipher) is returned at once.
func (m *Multi) Decrypt(token []byte) ([]byte, error) {
	for _, c := range m.ciphers { // no closure: this is every crypt Get
		plain, err := c.Decrypt(token)
		if !errors.Is(err, ErrInvalidToken) {
			return plain, err
		}
	}
	return nil, ErrInvalidToken
}

// DecryptAtTime is Decrypt with Fernet256.DecryptAtTime's time check. A
// cipher that cannot check time (a custom Cipher) never accepts the token.
func (m *Multi) DecryptAtTime(token []byte, ttl time.Duration, now time.Time) ([]byte, error) {
	return m.try(func(c Cipher) ([]byte, error) {
		if t, ok := c.(interface {
			DecryptAtTime([]byte, time.Duration, time.Time) ([]byte, error)
		}); ok {
			return t.DecryptAtTime(token, ttl, now)
		}
		return nil, ErrInvalidToken
	})
}

// Rotate re-encrypts token under the first cipher with a fresh IV, keeping
// its original timestamp so that rotation does not extend a token's life.
// (A custom first Cipher cannot be given a timestamp and encrypts as usual.)
func (m *Multi) Rotate(token []byte) ([]byte, error) { return m.rotate(token, nil) }

// RotateWithIV is Rotate with the new 16-byte IV given; it exists for
// deterministic tests and needs a Fernet256 (or a Multi led by one) first.
func (m *Multi) RotateWithIV(token, iv []byte) ([]byte, error) {
	if len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("cachegen: fernet: iv must be %d bytes, got %d", aes.BlockSize, len(iv))
	}
	return m.rotate(token, iv)
}

func (m *Multi) rotate(token, iv []byte) ([]byte, error) {
	raw, err := decode(token)
	if err != nil || len(raw) < 9 {
		return nil, ErrInvalidToken
	}
	plain, err := m.Decrypt(token)
	if err != nil {
		return nil, err
	}
	return m.encryptAt(plain, binary.BigEndian.Uint64(raw[1:]), iv)
}

func (m *Multi) encryptAt(plain []byte, ts uint64, iv []byte) ([]byte, error) {
	if c, ok := m.ciphers[0].(interface {
		encryptAt([]byte, uint64, []byte) ([]byte, error)
	}); ok {
		return c.encryptAt(plain, ts, iv)
	}
	if iv != nil {
		return nil, errors.New("cachegen: fernet: the first cipher cannot encrypt with a given IV")
	}
	return m.ciphers[0].Encrypt(plain)
}

func (m *Multi) try(decrypt func(Cipher) ([]byte, error)) ([]byte, error) {
	for _, c := range m.ciphers {
		plain, err := decrypt(c)
		if !errors.Is(err, ErrInvalidToken) {
			return plain, err
		}
	}
	return nil, ErrInvalidToken
}

// String, GoString and Format print no cipher (and so no key).
func (m Multi) String() string                { return fmt.Sprintf("fernet.Multi{%d ciphers}", len(m.ciphers)) }
func (m Multi) GoString() string              { return m.String() }
func (m Multi) Format(s fmt.State, verb rune) { io.WriteString(s, m.String()) }

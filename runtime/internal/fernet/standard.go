package fernet

import (
	"crypto/aes"
	"errors"
	"fmt"
	"io"
	"time"

	fernetgo "github.com/fernet/fernet-go"
)

const versionStandard = 0x80

// Standard is standard Fernet (version 0x80, AES-128), as Python's
// cryptography.fernet.Fernet writes it. The cryptography is fernet-go's;
// Standard adds the input checks fernet-go lacks (see Decrypt). It is safe
// for concurrent use; the zero value is not usable.
type Standard struct {
	k *[]*fernetgo.Key // one key; two pointers deep as in Fernet256
}

// NewStandard takes the key in Python's form: the url-safe base64 encoding
// of 32 bytes, as Fernet.generate_key() returns it.
func NewStandard(b64key string) (*Standard, error) {
	raw, err := decode([]byte(b64key))
	if err != nil || len(raw) != len(fernetgo.Key{}) {
		//lint:ignore ST1005 the text, period included, is the one Python's Fernet raises
		return nil, errors.New("cachegen: Fernet key must be 32 url-safe base64-encoded bytes.")
	}
	return &Standard{k: &[]*fernetgo.Key{(*fernetgo.Key)(raw)}}, nil
}

// Encrypt encrypts plain at the current time with a random IV.
func (s *Standard) Encrypt(plain []byte) ([]byte, error) {
	return fernetgo.EncryptAndSign(plain, (*s.k)[0])
}

// Decrypt returns the plaintext of token without looking at its timestamp
// (fernet-go skips the check for a ttl of 0).
//
// fernet-go ignores base64 errors (decrypting what decoded before the bad
// byte), slices out of range on short tokens that carry a valid HMAC, and
// accepts pad bytes of 0 and above 16. Strict decoding, the shape check and
// the padding check below make it accept exactly what Python's Fernet
// accepts, base64 leniency aside, and never panic.
func (s *Standard) Decrypt(token []byte) ([]byte, error) {
	raw, err := decode(token)
	if err != nil || !wellFormed(raw, versionStandard) {
		return nil, ErrInvalidToken
	}
	plain := fernetgo.VerifyAndDecrypt(token, 0, *s.k)
	// fernet-go takes any pad byte that fits the ciphertext, 0 and >16 too.
	if pad := len(raw) - overhead - len(plain); plain == nil || pad < 1 || pad > aes.BlockSize {
		return nil, ErrInvalidToken
	}
	return plain, nil
}

// DecryptAtTime is Fernet256.DecryptAtTime for standard tokens.
func (s *Standard) DecryptAtTime(token []byte, ttl time.Duration, now time.Time) ([]byte, error) {
	raw, err := decode(token)
	if err != nil || !wellFormed(raw, versionStandard) || !fresh(raw, ttl, now) {
		return nil, ErrInvalidToken
	}
	return s.Decrypt(token)
}

// encryptAt keeps a rotated token's timestamp. fernet-go draws the IV itself,
// so one cannot be pinned.
func (s *Standard) encryptAt(plain []byte, ts uint64, iv []byte) ([]byte, error) {
	if iv != nil {
		return nil, errors.New("cachegen: fernet: standard Fernet cannot encrypt with a given IV")
	}
	return fernetgo.EncryptAndSignAtTime(plain, (*s.k)[0], time.Unix(int64(ts), 0))
}

// String, GoString and Format keep key material out of every fmt verb.
func (s Standard) String() string                 { return "fernet.Standard{…}" }
func (s Standard) GoString() string               { return s.String() }
func (s Standard) Format(st fmt.State, verb rune) { io.WriteString(st, s.String()) }

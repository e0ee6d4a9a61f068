package codec

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
)

type gobCodec struct{}

// Gob returns the encoding/gob codec, for Go-to-Go values. Each value is a
// self-contained gob stream (type descriptions included), so any process can
// decode it without shared encoder state. time.Time keeps its instant and
// offset (Time.MarshalBinary). Decoding into `any` works only for values
// encoded as interfaces, which Marshal does not do: decode into the
// concrete type.
//
// Gob decodes only authenticated values: its Unmarshal refuses every input
// with ErrGobUnauthenticated, and UnmarshalAuthenticated (which the crypt
// layer calls after the token's MAC has been verified) decodes. encoding/gob
// is documented as not hardened against adversarial input, and it is not:
// a map count of 2^30 in 66 bytes is a fatal out-of-memory in
// reflect.MakeMapWithSize, and a wire type nested 5 M deep exhausts the
// goroutine stack — fatal errors no recover catches — for any destination
// type. A structural walk of gob's wire format (type definitions and
// values) would amount to a second gob decoder; requiring crypt instead
// means only holders of the cache's key can write what gob reads.
func Gob() Codec { return gobCodec{} }

// ErrGobUnauthenticated is returned by the gob codec's Unmarshal: gob values
// are decoded only after authentication (crypt).
var ErrGobUnauthenticated = errors.New("gob: refusing to decode unauthenticated bytes: encoding/gob is not hardened against hostile input, so codec gob needs crypt (WithKeys)")

func (gobCodec) Name() string { return "gob" }

func (gobCodec) Marshal(v any) (b []byte, err error) {
	defer recoverTo("gob", "Marshal", &err)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("gob: encode %T: %w", v, err)
	}
	return buf.Bytes(), nil
}

// Unmarshal refuses: see Gob.
func (gobCodec) Unmarshal(data []byte, v any) error {
	return ErrGobUnauthenticated
}

// UnmarshalAuthenticated decodes data that the caller has authenticated
// (a verified Fernet token's plaintext).
func (gobCodec) UnmarshalAuthenticated(data []byte, v any) (err error) {
	// encoding/gob recovers its own internal panics; this catches anything
	// else (a panicking GobDecoder or UnmarshalBinary of the destination).
	defer recoverTo("gob", "Unmarshal", &err)
	if _, err := checkDst("gob", v); err != nil {
		return err
	}
	if err := checkGobFraming(data); err != nil {
		return fmt.Errorf("gob: %w", err)
	}
	r := bytes.NewReader(data)
	if err := gob.NewDecoder(r).Decode(v); err != nil {
		return fmt.Errorf("gob: decode into %T: %w", v, err)
	}
	if r.Len() != 0 {
		return fmt.Errorf("gob: decode into %T: %w: %d trailing bytes", v, ErrMalformed, r.Len())
	}
	return nil
}

// NeedsAuthentication reports whether c decodes only authenticated values
// (gob): a cache using it must encrypt (crypt), which the runtime checks
// at construction.
func NeedsAuthentication(c interface{ Name() string }) bool {
	_, ok := c.(interface {
		UnmarshalAuthenticated([]byte, any) error
	})
	return ok
}

// UnmarshalAuthenticated decodes authenticated bytes with c: through
// c's UnmarshalAuthenticated when it has one (gob), else c.Unmarshal.
func UnmarshalAuthenticated(c Codec, data []byte, v any) error {
	if a, ok := c.(interface {
		UnmarshalAuthenticated([]byte, any) error
	}); ok {
		return a.UnmarshalAuthenticated(data, v)
	}
	return c.Unmarshal(data, v)
}

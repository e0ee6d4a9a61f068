package engine

import (
	"errors"
	"fmt"

	"github.com/cachegen/cachegen/runtime/internal/fernet"
)

var (
	// ErrMiss is returned by Get when the key is absent (or expired).
	ErrMiss = errors.New("cachegen: cache miss")
	// ErrNotFound is what a GetOrLoad loader returns to say the value does not
	// exist at the source; with negative caching on, that answer is cached too.
	ErrNotFound = errors.New("cachegen: not found")
	// ErrDecode is matched (errors.Is) by every failure to turn stored bytes
	// back into a value: foreign bytes, another codec's output, a bad token.
	ErrDecode = errors.New("cachegen: cannot decode stored value")
	// ErrInvalidToken is matched when a crypt value fails authentication or
	// decryption (tampered, truncated, another key, not a token at all). Such
	// errors also match ErrDecode.
	ErrInvalidToken = fernet.ErrInvalidToken
	// ErrClosed is returned by every operation after Close.
	ErrClosed = errors.New("cachegen: cache is closed")
	// ErrMisuse is matched by the error every operation of a cache returns
	// when it was built wrongly by a constructor that cannot fail
	// (NewRedisCache with a nil client, or with WithKeys); the error says
	// what was wrong.
	ErrMisuse = errors.New("cachegen: cache built wrongly")
)

// DecodeError reports stored bytes that could not be decoded. It names the
// Redis key (never the value or any secret) and wraps the cause.
type DecodeError struct {
	Key string
	Err error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("cachegen: decode %q: %v", e.Key, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Is makes every DecodeError match ErrDecode, whatever its cause.
func (e *DecodeError) Is(target error) bool { return target == ErrDecode }

func decodeErr(key string, err error) error { return &DecodeError{Key: key, Err: err} }

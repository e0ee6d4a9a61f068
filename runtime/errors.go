package runtime

import "github.com/cachegen/cachegen/runtime/internal/engine"

// The errors every cache returns; check them with errors.Is.
var (
	// ErrMiss is returned by Get when the key is absent (or expired).
	ErrMiss = engine.ErrMiss
	// ErrNotFound is what a GetOrLoad loader returns to say the value does not
	// exist at the source; with negative caching on, that answer is cached too.
	ErrNotFound = engine.ErrNotFound
	// ErrDecode is matched (errors.Is) by every failure to turn stored bytes
	// back into a value: foreign bytes, another codec's output, a bad token.
	ErrDecode = engine.ErrDecode
	// ErrInvalidToken is matched when a crypt value fails authentication or
	// decryption (tampered, truncated, another key, not a token at all). Such
	// errors also match ErrDecode.
	ErrInvalidToken = engine.ErrInvalidToken
	// ErrClosed is returned by every operation after Close.
	ErrClosed = engine.ErrClosed
	// ErrMisuse is matched by the error every operation of a cache returns
	// when it was built wrongly by a constructor that cannot fail
	// (NewRedisCache with a nil client, or with WithKeys); the error says
	// what was wrong.
	ErrMisuse = engine.ErrMisuse
)

// DecodeError reports stored bytes that could not be decoded: its Key field
// names the Redis key (never the value or any secret) and Err, which it
// wraps, the cause. Every DecodeError matches ErrDecode.
type DecodeError = engine.DecodeError

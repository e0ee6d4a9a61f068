package codec

import (
	"errors"
	"fmt"
	"reflect"
)

// Codec turns values into bytes and back.
//
// Unmarshal needs a non-nil pointer, rejects trailing bytes after one
// complete value, returns a descriptive error for any malformed input and
// never panics.
type Codec interface {
	Name() string
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// MaxDepth is the deepest container nesting any decoder accepts: arrays,
// maps and objects inside each other, counting the outermost as 1. Python's
// own msgpack and json modules refuse input a little deeper than ~1000
// (recursion limit), and a cached value nested 512 deep is already a bug; the
// bound keeps decoder recursion, and so stack use, small.
const MaxDepth = 512

// ErrMalformed is wrapped by every error of the structural pre-checks
// (truncated input, declared lengths beyond the input, nesting deeper than
// MaxDepth, trailing bytes).
var ErrMalformed = errors.New("malformed input")

// checkDst reports whether v is a non-nil pointer and returns it as a
// reflect.Value.
func checkDst(name string, v any) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return reflect.Value{}, fmt.Errorf("%s: Unmarshal needs a non-nil pointer, got %T", name, v)
	}
	return rv, nil
}

// recoverTo turns a panic in a decoder or encoder into an error. The
// pre-checks are meant to make it unnecessary; it is the last line of defence
// (a panic in a user's MarshalText, a library bug). Use as
// `defer recoverTo(name, "Unmarshal", &err)`.
func recoverTo(name, op string, err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%s: %s panicked: %v", name, op, r)
	}
}

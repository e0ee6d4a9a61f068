package cacheimpl

import (
	"encoding"
	"fmt"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/fastwire"
	"github.com/cachegen/cachegen/runtime/internal/engine"
)

// CodecFast is the codec= name of the codecs generated per type.
const CodecFast = engine.CodecFast

// FastCodec makes the Codec of T from the encoder and decoder generated for
// codec=fast; a Spec carries it as Fast.
func FastCodec[T any](encode func(*fastwire.Writer, *T), decode func(*fastwire.Reader, *T)) runtime.Codec {
	return engine.FastCodec(encode, decode)
}

// Shallow copies *v by assignment (nil for nil): the deep copy of a T whose
// values hold no references and no locks, which the generator passes as
// Spec.Clone instead of writing a clone function that only assigns.
func Shallow[T any](v *T) *T {
	if v == nil {
		return nil
	}
	c := *v
	return &c
}

// Escape is runtime.EscapeKey: the documented percent-encoding of a string
// key part.
func Escape(s, special string) string { return engine.EscapeKey(s, special) }

// TextKey is Escape of v's MarshalText. Key functions cannot return errors,
// so a MarshalText failure yields a marked part that every operation
// rejects with that error.
func TextKey(v encoding.TextMarshaler, special string) string { return engine.TextKey(v, special) }

// AppendEscape appends Escape(s, special) to dst: generated AppendKey
// functions build keys into a caller's buffer with it.
func AppendEscape(dst []byte, s, special string) []byte {
	return engine.AppendEscapeKey(dst, s, special)
}

// AppendText appends TextKey(v, special) to dst.
func AppendText(dst []byte, v encoding.TextMarshaler, special string) []byte {
	return engine.AppendTextKey(dst, v, special)
}

// nilValue is the error of a Set or SetMany given a nil *T.
func nilValue[T any](name string) error {
	var zero *T
	return fmt.Errorf("cachegen: %s: nil %T", name, zero)
}

// indexErr names the element of a batch that could not be stored.
func indexErr(i int, err error) error { return fmt.Errorf("vs[%d]: %w", i, err) }

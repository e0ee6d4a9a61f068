package engine

import (
	"fmt"
	"sync"

	"github.com/cachegen/cachegen/runtime/fastwire"
)

// CodecFast is the codec= name of the codecs cachegen generates per type: a
// reflection-free binary encoding whose wire format is documented in package
// fastwire. There is no built-in "fast" codec: CodecByName refuses the name,
// and the generated constructor passes the type's own codec with WithCodec.
const CodecFast = "fast"

// FastCodec makes the Codec of a type T from the encoder and decoder that
// cachegen generates for codec=fast; the generated constructor passes it
// with WithCodec. Marshal takes a *T (or a T); Unmarshal takes a *T, which
// it overwrites entirely. It is for generated code.
func FastCodec[T any](encode func(*fastwire.Writer, *T), decode func(*fastwire.Reader, *T)) Codec {
	return &fastCodec[T]{encode: encode, decode: decode}
}

type fastCodec[T any] struct {
	encode func(*fastwire.Writer, *T)
	decode func(*fastwire.Reader, *T)
}

// fastWriters recycles encoding buffers; Marshal copies the result out, so
// a value costs one allocation of exactly its size.
var fastWriters = sync.Pool{New: func() any { return new(fastwire.Writer) }}

func (c *fastCodec[T]) Name() string { return CodecFast }

func (c *fastCodec[T]) Marshal(v any) ([]byte, error) {
	var p *T
	switch v := v.(type) {
	case *T:
		p = v
	case T:
		p = &v
	default:
		return nil, fmt.Errorf("fast codec of %T cannot encode a %T", p, v)
	}
	if p == nil {
		return nil, fmt.Errorf("fast codec: nil %T", p)
	}
	w := fastWriters.Get().(*fastwire.Writer)
	w.Reset()
	c.encode(w, p)
	data, err := w.Result()
	var out []byte
	if err == nil {
		out = make([]byte, len(data))
		copy(out, data)
	}
	if w.Cap() <= maxPooledFastBuf {
		fastWriters.Put(w)
	}
	return out, err
}

// maxPooledFastBuf keeps one huge value from pinning its buffer in the pool.
const maxPooledFastBuf = 64 << 10

func (c *fastCodec[T]) Unmarshal(data []byte, v any) error {
	p, ok := v.(*T)
	if !ok || p == nil {
		return fmt.Errorf("fast codec of %T cannot decode into a %T", p, v)
	}
	var zero T
	*p = zero
	r := fastReaders.Get().(*fastwire.Reader)
	r.Reset(data)
	if r.Err() == nil {
		c.decode(r, p)
	}
	err := r.Finish()
	r.Reset(nil)
	fastReaders.Put(r)
	return err
}

// fastReaders recycles Readers: the decoder is called through a func value,
// so a Reader on the stack would escape and cost an allocation.
var fastReaders = sync.Pool{New: func() any { return new(fastwire.Reader) }}

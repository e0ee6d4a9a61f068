package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/cachegen/cachegen/runtime/internal/pyval"
)

// mpWriter is the writer behind this package's msgpack encoders: an append
// buffer (vmihailenco writes through WriteByte/Write, so no bytes.Buffer
// bookkeeping) whose type tells the time hook that the encoder is ours.
type mpWriter struct {
	b       []byte
	scratch [16]byte
}

func (w *mpWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *mpWriter) WriteByte(c byte) error      { w.b = append(w.b, c); return nil }

// mpReader is the reader behind this package's msgpack decoders: a byte
// slice with a position, whose type tells the time hook that the decoder is
// ours, and which refuses to hand out a type code at an ext payload's first
// byte (see extStarts).
type mpReader struct {
	b []byte
	i int
	// extStarts are the offsets of the first bytes of every non-empty ext
	// payload, in increasing order. CheckMsgpack treats a payload as opaque
	// bytes, but vmihailenco's DecodeMapLen, asked for a map (or a struct)
	// where an ext stands, skips the ext header and decodes whatever follows
	// as a map: 10 bytes such as c7 07 00 81 a0 dd ff ff ff ff then make it
	// allocate 2^32 elements (a fatal out-of-memory). Every legitimate
	// decoding path reads payloads with Read, never a code with ReadByte, so
	// ReadByte refuses exactly these offsets and nothing inside a payload is
	// ever decoded as a value. k is the index of the first offset ≥ i (the
	// reader moves forwards, UnreadByte steps back one byte), so the check is
	// O(1) amortised.
	extStarts []int
	k         int
}

var errExtAsMap = errors.New("msgpack: ext value where a map, array or struct was expected")

func (r *mpReader) Read(p []byte) (int, error) {
	if r.i >= len(r.b) {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	n := copy(p, r.b[r.i:])
	r.i += n
	return n, nil
}

func (r *mpReader) ReadByte() (byte, error) {
	if r.i >= len(r.b) {
		return 0, io.EOF
	}
	if r.k < len(r.extStarts) {
		for r.k < len(r.extStarts) && r.extStarts[r.k] < r.i {
			r.k++
		}
		if r.k < len(r.extStarts) && r.extStarts[r.k] == r.i {
			return 0, errExtAsMap
		}
	}
	c := r.b[r.i]
	r.i++
	return c, nil
}

func (r *mpReader) UnreadByte() error {
	if r.i == 0 {
		return errors.New("msgpack: UnreadByte at start")
	}
	r.i--
	for r.k > 0 && r.extStarts[r.k-1] >= r.i {
		r.k--
	}
	return nil
}

// reset empties the reader for reuse from a pool.
func (r *mpReader) reset() {
	r.b, r.i, r.k = nil, 0, 0
	if cap(r.extStarts) > 1<<12 {
		r.extStarts = nil
	}
	r.extStarts = r.extStarts[:0]
}

// next returns the next n bytes without copying.
func (r *mpReader) next(n int) ([]byte, error) {
	if n < 0 || n > len(r.b)-r.i {
		return nil, io.ErrUnexpectedEOF
	}
	p := r.b[r.i : r.i+n : r.i+n]
	r.i += n
	return p, nil
}

func init() {
	// Replace vmihailenco's ext −1 handlers for time.Time (see the package
	// doc). For encoders and decoders that are not ours they produce the
	// same bytes and values as the originals.
	msgpack.RegisterExtEncoder(-1, time.Time{}, encodeTimeExt)
	msgpack.RegisterExtDecoder(-1, time.Time{}, decodeTimeExt)
}

func encodeTimeExt(e *msgpack.Encoder, v reflect.Value) ([]byte, error) {
	t, _ := reflect.TypeAssert[time.Time](v)
	w, ours := e.Writer().(*mpWriter)
	if !ours {
		return appendTimestamp(nil, t), nil
	}
	// The payload is copied into w by the caller before w.scratch is used
	// again, so handing out the scratch array is safe.
	_, off := t.Zone()
	if off == 0 {
		return appendTimestamp(w.scratch[:0], t), nil
	}
	b := w.scratch[:16]
	binary.BigEndian.PutUint32(b, uint32(t.Nanosecond()))
	binary.BigEndian.PutUint64(b[4:], uint64(t.Unix()))
	binary.BigEndian.PutUint32(b[12:], uint32(int32(off)))
	return b, nil
}

func decodeTimeExt(d *msgpack.Decoder, v reflect.Value, n int) error {
	var t time.Time
	if r, ours := d.Buffered().(*mpReader); ours {
		if n != 4 && n != 8 && n != 12 && n != 16 {
			return fmt.Errorf("msgpack: invalid ext len=%d decoding time", n)
		}
		p, err := r.next(n)
		if err != nil {
			return err
		}
		if t, err = zonedTime(p); err != nil {
			return err
		}
	} else {
		// vmihailenco's behaviour: time.Local, the zero time in UTC.
		if n != 4 && n != 8 && n != 12 {
			return fmt.Errorf("msgpack: invalid ext len=%d decoding time", n)
		}
		p := make([]byte, n)
		if err := d.ReadFull(p); err != nil {
			return err
		}
		sec, nsec, err := parseTimestamp(p, false)
		if err != nil {
			return err
		}
		if t = time.Unix(sec, nsec); t.IsZero() {
			t = t.UTC()
		}
	}
	if v.CanAddr() {
		*v.Addr().Interface().(*time.Time) = t
	} else {
		v.Set(reflect.ValueOf(t))
	}
	return nil
}

// zonedTime decodes this package's time payload: a standard timestamp (UTC)
// or 16 bytes with the offset.
func zonedTime(p []byte) (time.Time, error) {
	if len(p) != 16 {
		sec, nsec, err := parseTimestamp(p, true)
		if err != nil {
			return time.Time{}, err
		}
		return time.Unix(sec, nsec).UTC(), nil
	}
	nsec := binary.BigEndian.Uint32(p)
	sec := int64(binary.BigEndian.Uint64(p[4:]))
	off := int(int32(binary.BigEndian.Uint32(p[12:])))
	if nsec >= 1e9 || off <= -pyval.MaxOffset || off >= pyval.MaxOffset {
		return time.Time{}, fmt.Errorf("msgpack: invalid zoned time (nanoseconds %d, offset %ds)", nsec, off)
	}
	return time.Unix(sec, int64(nsec)).In(pyval.FixedZone(off)), nil
}

type msgpackCodec struct{}

// Msgpack returns the default codec: vmihailenco/msgpack, structs as maps
// keyed by field name, compact integers, time.Time with its zone offset.
func Msgpack() Codec { return msgpackCodec{} }

func (msgpackCodec) Name() string { return "msgpack" }

type mpEncState struct {
	w   mpWriter
	enc *msgpack.Encoder
}

var mpEncPool = sync.Pool{New: func() any {
	st := &mpEncState{}
	st.enc = msgpack.NewEncoder(&st.w)
	st.enc.UseCompactInts(true) // smallest integer forms: fewer bytes in Redis
	st.enc.SetSortMapKeys(true) // equal maps give equal bytes
	return st
}}

// maxPooledBuf keeps one huge value from pinning its buffer in the pool.
const maxPooledBuf = 1 << 20

func (msgpackCodec) Marshal(v any) (out []byte, err error) {
	defer recoverTo("msgpack", "Marshal", &err)
	st := mpEncPool.Get().(*mpEncState)
	st.w.b = st.w.b[:0]
	if t, ok := v.(time.Time); ok {
		// Encoder.Encode writes a bare time.Time through EncodeTime, which
		// bypasses the registered ext encoder and drops the offset.
		err = st.enc.EncodeValue(reflect.ValueOf(&t).Elem())
	} else {
		err = st.enc.Encode(v)
	}
	if err == nil {
		out = make([]byte, len(st.w.b))
		copy(out, st.w.b)
	}
	if cap(st.w.b) > maxPooledBuf {
		st.w.b = nil
	}
	mpEncPool.Put(st)
	if err != nil {
		return nil, fmt.Errorf("msgpack: encode %T: %w", v, err)
	}
	return out, nil
}

type mpDecState struct {
	r   mpReader
	dec *msgpack.Decoder
}

var mpDecPool = sync.Pool{New: func() any {
	st := &mpDecState{}
	st.dec = msgpack.NewDecoder(&st.r)
	return st
}}

func (st *mpDecState) release() {
	st.r.reset()
	mpDecPool.Put(st)
}

func (msgpackCodec) Unmarshal(data []byte, v any) (err error) {
	defer recoverTo("msgpack", "Unmarshal", &err)
	rv, err := checkDst("msgpack", v)
	if err != nil {
		return err
	}
	st := mpDecPool.Get().(*mpDecState)
	if err := checkMsgpack(data, MaxDepth, &st.r.extStarts); err != nil {
		st.release()
		return fmt.Errorf("msgpack: %w", err)
	}
	if err := msgpackCost(data, rv.Type().Elem(), DecodeLimit(len(data))); err != nil {
		st.release()
		return fmt.Errorf("msgpack: %w", err)
	}
	st.r.b, st.r.i = data, 0
	switch p := v.(type) {
	case *time.Time:
		// Decoder.Decode reads *time.Time through DecodeTime, which
		// bypasses the registered ext decoder.
		err = st.dec.DecodeValue(rv.Elem())
	case *any:
		// Decoder.Decode refuses an *any that already holds a non-pointer
		// value; a decoded value replaces whatever was there.
		var x any
		if x, err = st.dec.DecodeInterface(); err == nil {
			*p = x
		}
	default:
		err = st.dec.Decode(v)
	}
	if err == nil && st.r.i != len(data) {
		err = fmt.Errorf("%d trailing bytes", len(data)-st.r.i)
	}
	st.release()
	if err != nil {
		return fmt.Errorf("msgpack: decode into %T: %w", v, err)
	}
	return nil
}

package codec

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

type gobCodec struct{}

// Gob returns the encoding/gob codec, for Go-to-Go values. Each value is a
// self-contained gob stream (type descriptions included), so any process can
// decode it without shared encoder state. time.Time keeps its instant and
// offset (Time.MarshalBinary). Decoding into `any` works only for values
// encoded as interfaces, which Marshal does not do: decode into the
// concrete type.
func Gob() Codec { return gobCodec{} }

func (gobCodec) Name() string { return "gob" }

func (gobCodec) Marshal(v any) (b []byte, err error) {
	defer recoverTo("gob", "Marshal", &err)
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, fmt.Errorf("gob: encode %T: %w", v, err)
	}
	return buf.Bytes(), nil
}

func (gobCodec) Unmarshal(data []byte, v any) (err error) {
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

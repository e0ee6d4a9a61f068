package engine

import (
	"fmt"

	"github.com/cachegen/cachegen/runtime/internal/codec"
	"github.com/cachegen/cachegen/runtime/internal/pickle"
)

// Codec turns values into stored bytes and back. Unmarshal must reject any
// input it cannot fully decode (trailing bytes included) with an error and
// never panic; the cache wraps such errors in ErrDecode.
type Codec interface {
	Name() string
	Marshal(v any) ([]byte, error)
	Unmarshal(data []byte, v any) error
}

// Codec names, as used by CodecByName and the codec= annotation.
const (
	CodecMsgpack     = "msgpack"
	CodecJSON        = "json"
	CodecGob         = "gob"
	CodecRickMsgpack = "rick-msgpack"
	CodecPickle      = "pickle"
)

var (
	msgpackCodec     Codec = codec.Msgpack()
	jsonCodec        Codec = codec.JSON()
	gobCodec         Codec = codec.Gob()
	rickMsgpackCodec Codec = codec.RickMsgpack()
	pickleCodec      Codec = pickle.Codec()
)

// CodecByName returns a built-in codec: "msgpack" (the default; Go structs as
// maps of field names), "json", "gob", "rick-msgpack" (byte-compatible with
// rick's msgpack serializer) or "pickle" (what rick stores by default).
func CodecByName(name string) (Codec, error) {
	switch name {
	case CodecMsgpack, "":
		return msgpackCodec, nil
	case CodecJSON:
		return jsonCodec, nil
	case CodecGob:
		return gobCodec, nil
	case CodecRickMsgpack:
		return rickMsgpackCodec, nil
	case CodecPickle:
		return pickleCodec, nil
	case CodecFast, "proto":
		return nil, fmt.Errorf("cachegen: codec %q is generated for each type: build the cache with its generated constructor, which passes it with runtime.WithCodec", name)
	}
	return nil, fmt.Errorf("cachegen: unknown codec %q (want msgpack, json, gob, rick-msgpack or pickle)", name)
}

// isNull reports whether data is the codec's encoding of None/nil: a typed
// Get cannot hold it, so it is a decode error rather than a zero value.
func isNull(codecName string, data []byte) bool {
	switch codecName {
	case CodecMsgpack, CodecRickMsgpack:
		return len(data) == 1 && data[0] == 0xc0
	case CodecJSON:
		// Trim the bytes, not string(data): that conversion copies every
		// value longer than 32 bytes, an allocation on every typed Get.
		s := data
		for len(s) > 0 && (s[0] == ' ' || s[0] == '\n' || s[0] == '\t' || s[0] == '\r') {
			s = s[1:]
		}
		for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\n' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r') {
			s = s[:len(s)-1]
		}
		return string(s) == "null"
	case CodecPickle:
		// PROTO n, NONE, STOP — or NONE, STOP for protocols 0 and 1.
		return (len(data) == 4 && data[0] == 0x80 && data[2] == 'N' && data[3] == '.') ||
			(len(data) == 2 && data[0] == 'N' && data[1] == '.')
	}
	return false
}

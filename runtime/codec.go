package runtime

import (
	"github.com/cachegen/cachegen/runtime/internal/engine"
	"github.com/cachegen/cachegen/runtime/internal/pyval"
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

// CodecByName returns a built-in codec: "msgpack" (the default; Go structs as
// maps of field names), "json", "gob", "rick-msgpack" (byte-compatible with
// rick's msgpack serializer) or "pickle" (what rick stores by default).
func CodecByName(name string) (Codec, error) { return engine.CodecByName(name) }

// Date is Python's datetime.date: a calendar day without time or zone.
type Date = pyval.Date

// Decimal is Python's decimal.Decimal, kept as its exact, validated text.
type Decimal = pyval.Decimal

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) { return pyval.ParseDate(s) }

// ParseDecimal validates s as Python decimal text ("123.4500", "1E+2", "NaN").
func ParseDecimal(s string) (Decimal, error) { return pyval.ParseDecimal(s) }

// Package fastwire is the wire format of cachegen's codec=fast, with the
// encoder ([Writer]) and decoder ([Reader]) that the code cachegen
// generates calls. It is exported for that generated code; nothing else
// needs to use it, and its API follows the generator, not the other way
// round.
//
// For each struct cached with codec=fast, cachegen writes a reflection-free
// encoder and decoder (fastEncode<Type>, fastDecode<Type>) that walk the
// struct's fields in declaration order, and hands them to the runtime with
// cacheimpl.FastCodec.
//
// # Wire format, version 1
//
// A stored value is one header byte and the top-level struct:
//
//	value   = 0xF1 struct              ; 0xF1: codec=fast, format version 1
//	struct  = *(tag payload) 0x00      ; present fields, tags strictly increasing
//	tag     = uvarint                  ; the field's position in its struct, from 1
//
// Fields are numbered by their position in the struct declaration (the
// first field is 1), counting fields that are not encoded (tagged
// `cache:"-"`), so a tag always names the same field. A field holding its
// zero value is omitted: false, 0 (a float only when its bits are all zero,
// so -0.0 is written), "", a nil pointer, slice or map, a byte array of
// zeros (uuid.Nil), the zero time.Time in UTC, the zero runtime.Date and
// runtime.Decimal. Other arrays and nested structs are always written. The
// struct ends with a 0x00 byte, which is never a tag.
//
// Payloads, by Go type (varint is Go's encoding/binary varint: zigzag
// LEB128; uvarint is unsigned LEB128):
//
//	bool                    1 byte, 0x00 or 0x01
//	int, int8 … int64       varint (zigzag)
//	uint, uint8 … uint64    uvarint
//	float32                 4 bytes, IEEE 754 bits, little-endian
//	float64                 8 bytes, IEEE 754 bits, little-endian
//	string                  uvarint length, then the bytes
//	[]byte                  uvarint 0 for nil, else uvarint length+1, then the bytes
//	[N]byte (uuid.UUID)     the N bytes
//	[N]T                    N payloads of T
//	[]T                     uvarint 0 for nil, else uvarint n+1, then n payloads of T
//	map[K]V                 uvarint 0 for nil, else uvarint n+1, then n pairs
//	                        (key payload, value payload), keys in ascending order
//	*T                      0x00 for nil, else 0x01 and the payload of T
//	struct                  struct (above)
//	time.Time               varint Unix seconds, uvarint nanoseconds (< 1e9),
//	                        varint UTC offset in seconds (|offset| < 24h)
//	time.Duration           varint nanoseconds (as any named integer type)
//	runtime.Date            varint year, varint month, varint day
//	runtime.Decimal         its text as a string ("" for the zero Decimal)
//
// Named types are encoded as their underlying type. An integer that does
// not fit the field's type is an error, not a truncation.
//
// What a round trip keeps: every value exactly, except that a time.Time
// keeps its instant and its UTC offset but not its zone name or monotonic
// reading (a time in UTC comes back in time.UTC, one in America/New_York
// in a fixed zone of the same offset; compare with Equal), and a pointer
// graph becomes a tree (two pointers to one value decode as two values). A
// nil slice or map stays nil and an empty one stays empty. Floats keep
// their bits, NaN payloads included.
//
// # Decoding is bounded
//
// A Reader never panics and never reads past its input. Every length is
// checked against the bytes that remain before anything is allocated: a
// slice or map of n elements needs at least n times the smallest encoding
// of one element, so memory is bounded by the input's length times the
// largest ratio of a type's size in memory to its smallest encoding.
// Structs nest at most [MaxDepth] deep (which also stops the encoder on a
// pointer cycle), a tag that is out of order or unknown, a bool byte other
// than 0 or 1, a duplicate map key, an out-of-range integer, time or
// Decimal, and bytes left after the value are errors. Errors are plain
// errors; the runtime wraps them in runtime.ErrDecode.
package fastwire

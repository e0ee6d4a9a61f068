// Package codec holds the value codecs of the cachegen runtime: the bytes
// that go into Redis and come back out.
//
// # Codecs
//
//   - [Msgpack] ("msgpack", the default for Go structs): vmihailenco/msgpack
//     with structs as maps keyed by field name (msgpack tags respected).
//     time.Time keeps its instant and its zone offset (see "Time in the
//     msgpack codec" below). runtime.Date and runtime.Decimal travel as their
//     text, uuid.UUID as 16 bytes of bin. Decoding into an `any` gives what
//     vmihailenco's DecodeInterface gives (int8…int64, uint8…uint64, float32
//     or float64, string, []byte, []any, map[string]any); use rick-msgpack
//     when `any` values must follow the Python mapping below.
//   - [RickMsgpack] ("rick-msgpack"): byte-identical to the Python library
//     rick's msgpack packb (smallest integer forms, floats always float64,
//     bin for bytes, ext 1 date, 2 datetime, 3 Decimal, 4 UUID) and readable
//     by its unpackb; it decodes what rick writes.
//   - [JSON] ("json"): encoding/json with the Python mapping for `any`.
//   - [Gob] ("gob"): encoding/gob, Go to Go only, and only behind crypt:
//     its Unmarshal refuses unauthenticated bytes (see Bounded decoding).
//
// # The Python ↔ Go mapping (rick-msgpack and json, decoding into any)
//
//	None            nil
//	bool            bool
//	int             int64; uint64 when above MaxInt64; json only: *big.Int
//	                beyond 64 bits (at most 4300 digits, Python's own limit)
//	float           float64 (json: only numbers with a fraction or exponent;
//	                beyond float64's range, e.g. 1e400, an error)
//	str             string (rick-msgpack: must be valid UTF-8, as in Python)
//	bytes, ext 6    []byte
//	list/tuple      []any
//	dict            map[string]any; map[any]any when a key is not a string
//	                (a bytes key becomes a string key)
//	datetime, ext 2 time.Time: an aware value keeps its offset as a fixed
//	                zone (UTC when the offset is 0); a naive one is read as UTC
//	date, ext 1     runtime.Date
//	Decimal, ext 3  runtime.Decimal (its exact text; malformed text is an error)
//	UUID, ext 4     uuid.UUID (a payload that is not 16 bytes is an error)
//	ext −1          time.Time in UTC (msgpack timestamp)
//	ext 5, 7, other an error: rick's class-instance extensions would make
//	                Python import and run arbitrary classes; Go never rebuilds
//	                them
//
// Decoding into a struct fills fields by name: the msgpack tag name (json:
// the json tag, gob: the field name), else the Go field name. rick-msgpack,
// like pickle, decodes into the Python mapping first and fills typed
// destinations with the one shared assigner (pyval.Assign): pickle, json or
// msgpack tag names, then Go names, exact then case-insensitive; None is the
// zero value of any kind (a None at the top of a value is an error for a
// concrete destination); fields tagged `cache:"-"` are never filled (nor
// written by the rick-msgpack encoder).
//
// Encoding with rick-msgpack accepts int and uint kinds, float32/64 (written
// as float64), string, []byte (bin), slices and arrays, maps (string and
// integer keys sorted so equal values give equal bytes), structs (a map of
// field names in declaration order), time.Time (always aware, Python
// isoformat with microseconds, so nanoseconds below a microsecond are
// truncated), runtime.Date (a zero Date is written as None), runtime.Decimal,
// uuid.UUID, *big.Int within the 64-bit range, and types implementing
// encoding.TextMarshaler (as a string). Anything Python could not read back
// the same way (a datetime outside years 1–9999, an integer outside
// [−2^63, 2^64−1], a string that is not UTF-8, channels, funcs, complex
// numbers) is an error, as rick's packb raises TypeError.
//
// # Bounded decoding
//
// The promise, tested (see SECURITY.md, "Bounded decoding", for every claim
// and the test enforcing it): decoding one value of n bytes, whatever the
// destination type, allocates at most [Budget](n) = 64·n + 1 MiB bytes in
// all (a cache Get included: the reply, decryption, the result), takes at
// most about 1 s of CPU, and recurses at most [MaxDepth] containers deep —
// or fails (an error wrapping [ErrMalformed] or [ErrBudget]). Enforced where
// the bytes enter, per format:
//
//   - msgpack and rick-msgpack: [CheckMsgpack] requires every declared
//     length or count to fit in the bytes that remain (each element takes at
//     least one byte, each map entry two), nesting at most [MaxDepth], and
//     exactly one value with no trailing bytes; no decoder may read a type
//     code at an ext payload's first byte (vmihailenco's map decoder would
//     otherwise decode the unchecked payload). Then msgpackCost walks the
//     bytes together with the destination type and prices what vmihailenco
//     will allocate (a 1-byte element of a slice of 1 KiB structs costs
//     1 KiB); rick-msgpack's decoder charges its own allocations and hands
//     the rest to the shared assigner (pyval.AssignLimited). Either refuses
//     a value over [DecodeLimit](n). Strings for *big.Int, *big.Float and
//     *big.Rat are capped at [MaxBigDigits].
//   - json: the nesting scan, then jsonCost over the text and the type;
//     every number literal is capped at [MaxBigDigits].
//   - gob: decodes only authenticated bytes ([Gob], [UnmarshalAuthenticated]).
//   - pickle: see package pickle (its Check prices gopickle's work).
//
// Tests: TestHostileBytes in package runtime (every codec, by attack class,
// each case through a cache Get in a child process under ulimit -v),
// FuzzCheckMsgpack and FuzzCheckJSON (the budget as the fuzz property),
// TestHostileInputs and TestCheckMsgpack here. As a last line of defence
// every Unmarshal and Marshal converts a panic into an error.
//
// # Time in the msgpack codec
//
// vmihailenco/msgpack writes time.Time as the standard msgpack timestamp
// (ext −1), which has no zone, and reads it back in time.Local. This package
// replaces vmihailenco's ext −1 handler for time.Time (process-wide, in
// init) with one that behaves exactly like the original for every other
// encoder and decoder, and only for this package's own encoders and decoders
// (recognised by their writer and reader types) writes a time whose offset is
// not 0 as ext −1 with a 16-byte payload: nanoseconds uint32, seconds int64,
// offset seconds int32, all big-endian. A time with offset 0 is written as a
// standard timestamp and read back in UTC. The zone name is not kept (as with
// gob and Python): America/New_York comes back as a fixed zone with the same
// offset, and the same instant. (vmihailenco caches an encoder per struct
// type; a struct type it had already encoded before this package's init ran
// would keep the original handler. Package initialisation order makes that
// practically impossible, but it is why the hook lives in init.)
package codec

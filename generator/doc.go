// Package generator turns //cache: annotations on Go structs into typed
// Redis cache wrappers over github.com/cachegen/cachegen/runtime.
//
// Data flows one way: [Load] (go/packages with types; the package's own
// generated file blanked through an overlay, so a stale file that no longer
// compiles never blocks regeneration) → [Parse] (annotations → [Package]
// models) → [Emit] (model → jennifer file) → [Render] (gofmt'd bytes) →
// [Write] (atomic: a temporary file in the same directory, then a rename;
// files whose bytes are unchanged are left alone). [Generate] runs the
// first four steps and reports every problem at once as an [ErrorList].
//
// # Annotations
//
// Each //cache: line in the doc comment of a struct type declares one
// cache. Tokens are separated by spaces:
//
//	key=TEMPLATE   required; literal text and <Field> or <A.B> placeholders
//	ttl=DURATION   default expiry (time.ParseDuration); 0 or absent: none
//	crypt          values are encrypted (Fernet256)
//	codec=NAME     msgpack (default), json, gob, rick-msgpack, pickle, fast, custom
//	name=IDENT     the generated type; default <Type>Cache
//	schema=off     no schema version in keys
//	local=SIZE     near-cache entries (positive)
//	jitter=PCT     TTL spread in percent, 0 to 100; needs ttl=
//
// Placeholders name fields of the struct, also promoted ones and paths
// through embedded structs and pointers. Key fields must be strings,
// integers or bools (named or not), or implement encoding.TextMarshaler or
// fmt.Stringer, and be comparable. Two placeholders must be separated by
// literal text holding at least one character other than a letter or
// digit. Literal text is printable ASCII; { and } must pair up (a Redis
// Cluster hash tag).
//
// # Keys
//
// A key is the cache's prefix (runtime.WithPrefix), then the template with
// each placeholder replaced by its value's text, then, unless schema=off,
// ":" and the schema version. Integers are written in decimal, bools as
// true or false. The text of strings, TextMarshaler and Stringer values is
// percent-encoded (each byte as % and two upper-case hex digits) when it is
// one of % : { } or any other non-alphanumeric character of the template's
// literal text, so no two tuples of values share a key.
//
// The schema version is "v" and the first 7 hex digits of a SHA-256 over
// the struct's shape (field names, types and tags, recursing into the
// module's own types only), the codec and the crypt flag; see
// fingerprint.go for the exact text hashed.
//
// # Generated code besides the caches
//
// Every struct whose deep copy can be generated gets clone<Type>, an
// unexported deep copy (one allocation per struct, slice and map; see
// clone.go for what it copies and how), which every constructor passes
// with runtime.WithClone: a near cache (local=, or runtime.WithLocal)
// then hands each caller its own copy without decoding. A struct with a
// field that cannot be copied (an interface, a channel, a type from
// another module holding pointers) gets none; local= on it is an error at
// that field, and runtime.WithLocal falls back to copying through the
// codec.
//
// codec=fast generates a reflection-free binary codec for the struct:
// fastEncode<Type> and fastDecode<Type> for it and for each struct of the
// module it contains, over package runtime/fastwire, whose documentation
// is the wire format. The constructor passes it with runtime.WithCodec
// before the caller's options, so a caller's WithCodec still wins. It
// supports bools, integers, floats, strings, []byte, byte arrays
// (uuid.UUID), time.Time, time.Duration and other named integer types,
// runtime.Date, runtime.Decimal, the module's own structs, and pointers,
// slices, arrays and maps (keys: strings, integers, byte arrays) of these;
// any other field is an error at the field, unless tagged `cache:"-"`.
//
// Generated names that would collide with the package's own take a
// number: cloneUser2 when cloneUser is declared.
//
// # Shape guard
//
// The generated file declares, for every annotated struct (and the
// package's structs reachable from its fields), an alias
// _<Type>_changed_run_go_generate of the struct type as it was when
// generated, tags included, and assigns a zero value of the type to a
// variable of the alias. Any change to the fields without regenerating
// then fails go build at that line, and the compiler's message names the
// alias: "cannot use User{} (value of struct type User) as
// _User_changed_run_go_generate value in variable declaration".
package generator

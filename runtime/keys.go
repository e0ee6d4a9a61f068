package runtime

import "github.com/cachegen/cachegen/runtime/internal/engine"

// EscapeKey percent-encodes a key part so that no two argument tuples give
// the same key: '%', ':', '{' and '}' always, plus every byte in special (the
// generator passes the non-alphanumeric characters of the template's literal
// text). Each escaped byte becomes '%' and two upper-case hex digits, as in
// URL encoding, so another language can rebuild the key.
func EscapeKey(s, special string) string { return engine.EscapeKey(s, special) }

// Slot returns the Redis Cluster hash slot of key: CRC16 (XMODEM) of the key,
// or of its hash tag — the text between the first '{' and the next '}' when
// that is not empty — modulo 16384.
func Slot(key string) uint16 { return engine.Slot(key) }

package engine

import (
	"encoding"
	"strings"
	"unsafe"
)

// EscapeKey percent-encodes a key part so that no two argument tuples give
// the same key: '%', ':', '{' and '}' always, plus every byte in special (the
// generator passes the non-alphanumeric characters of the template's literal
// text). Each escaped byte becomes '%' and two upper-case hex digits, as in
// URL encoding, so another language can rebuild the key.
func EscapeKey(s, special string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if mustEscape(s[i], special) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := AppendEscapeKey(make([]byte, 0, len(s)+2*n), s, special)
	return unsafe.String(&b[0], len(b)) // b is not written again
}

// AppendEscapeKey appends EscapeKey(s, special) to dst.
func AppendEscapeKey(dst []byte, s, special string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if mustEscape(c, special) {
			dst = append(dst, '%', hex[c>>4], hex[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

func mustEscape(c byte, special string) bool {
	switch c {
	case '%', ':', '{', '}':
		return true
	}
	return strings.IndexByte(special, c) >= 0
}

// badKeyMarker starts a key part whose text could not be made; any operation
// on a key containing it fails (see checkKey) instead of touching a wrong key.
const badKeyMarker = "\x00cachegen-bad-key:"

// TextKey is EscapeKey of v's MarshalText. Key methods cannot return errors,
// so a MarshalText failure yields a marked part that every operation rejects
// with that error.
func TextKey(v encoding.TextMarshaler, special string) string {
	b, err := v.MarshalText()
	if err != nil {
		return badKeyMarker + err.Error()
	}
	return EscapeKey(string(b), special)
}

// AppendTextKey appends TextKey(v, special) to dst.
func AppendTextKey(dst []byte, v encoding.TextMarshaler, special string) []byte {
	b, err := v.MarshalText()
	if err != nil {
		return append(append(dst, badKeyMarker...), err.Error()...)
	}
	return AppendEscapeKey(dst, string(b), special)
}

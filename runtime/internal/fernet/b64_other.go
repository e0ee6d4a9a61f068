//go:build !amd64 || purego

package fernet

// useAVX2 is false: there is no assembly here, encoding/base64 decodes.
var useAVX2 = false

func decodeURLAVX2(dst, src *byte, n int, t *b64Tables) int {
	panic("fernet: no base64 assembly on this platform")
}

func encodeURLAVX2(dst, src *byte, n int, t *b64EncTables) {
	panic("fernet: no base64 assembly on this platform")
}

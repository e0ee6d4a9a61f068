//go:build amd64 && !purego

package fernet

import "golang.org/x/sys/cpu"

// useAVX2 selects decodeURLAVX2; tests clear it to exercise the fallback.
var useAVX2 = cpu.X86.HasAVX2

// decodeURLAVX2 decodes up to n 32-byte blocks of url-safe base64 from src
// into 24-byte blocks of dst, writing 32 bytes per block (8 past the block's
// output), and returns how many blocks it decoded: it stops before the
// first block with a byte outside the alphabet.
//
//go:noescape
func decodeURLAVX2(dst, src *byte, n int, t *b64Tables) int

// encodeURLAVX2 encodes n blocks of 24 bytes of src (reading 4 bytes past
// each) into 32 url-safe base64 characters each in dst.
//
//go:noescape
func encodeURLAVX2(dst, src *byte, n int, t *b64EncTables)

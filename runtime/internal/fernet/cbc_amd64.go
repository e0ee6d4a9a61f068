//go:build amd64 && !purego

package fernet

import "golang.org/x/sys/cpu"

// haveAsm reports that this build has decryptCBCAsm.
const haveAsm = true

// useAESNI selects the assembly; tests clear it to exercise the fallback.
var useAESNI = cpu.X86.HasAES

// decryptCBCAsm decrypts n > 0 blocks from src to dst with AES-256-CBC under
// xk.dec and iv. dst and src are equal or disjoint.
//
//go:noescape
func decryptCBCAsm(xk *schedule256, iv *[16]byte, dst, src *byte, n int)

// encryptCBCAsm encrypts n > 0 blocks from src to dst with AES-256-CBC under
// xk.enc and iv. dst and src are equal or disjoint.
//
//go:noescape
func encryptCBCAsm(xk *schedule256, iv *[16]byte, dst, src *byte, n int)

//go:build !amd64 || purego

package fernet

// haveAsm reports that this build has no decryptCBCAsm.
const haveAsm = false

// useAESNI is false: there is no assembly here, crypto/cipher decrypts.
var useAESNI = false

func decryptCBCAsm(xk *schedule256, iv *[16]byte, dst, src *byte, n int) {
	panic("fernet: no CBC assembly on this platform")
}

func encryptCBCAsm(xk *schedule256, iv *[16]byte, dst, src *byte, n int) {
	panic("fernet: no CBC assembly on this platform")
}

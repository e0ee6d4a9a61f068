package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/cachegen/cachegen/runtime"
)

// genkey prints a fresh key for a crypt cache: rick's Fernet256 key (64
// url-safe base64 characters, used as its 64 raw bytes, for WithKeys and
// rick's CryptRedisCache(key=...)), or with standard a standard Fernet key
// (32 random bytes in url-safe base64, as Python's Fernet.generate_key(),
// for WithStandardFernet).
func genkey(stdout io.Writer, standard bool) int {
	key := runtime.GenerateKey()
	if standard {
		b := make([]byte, 32)
		rand.Read(b) // never fails (crypto/rand, Go 1.24+)
		key = base64.URLEncoding.EncodeToString(b)
	}
	fmt.Fprintln(stdout, key)
	return 0
}

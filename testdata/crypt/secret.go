package models

// Secret is stored encrypted, readable by rick's CryptRedisCache.
//
//cache:key=secret:<Name> crypt codec=pickle ttl=15m
type Secret struct {
	Name  string
	Value []byte
}

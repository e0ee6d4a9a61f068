package main

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Profile is shared with a Python service through rick's default
// RedisCache: codec=pickle is what rick stores, and schema=off leaves the
// key exactly "profile:<ID>" (no schema version), so Python finds it as
// RedisCache(prefix="rick:").get("profile:42"). The pickle tags name the
// dict keys Python sees.
//
//cache:key=profile:<ID> codec=pickle schema=off
type Profile struct {
	ID    int64    `pickle:"id"`
	Name  string   `pickle:"name"`
	Email string   `pickle:"email"`
	Roles []string `pickle:"roles"`
}

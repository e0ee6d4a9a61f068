// Package foreign caches models this module does not own: an API client's
// structs (package apiclient, standing for go-github and the like) and
// protobuf messages (the well-known types of google.golang.org/protobuf,
// standing for your own .pb.go files). A //cache: line on a type alias
// declares a cache of the aliased type; the generated API speaks that type
// itself. Regenerate the caches with
//
//	go generate ./...
//
// This is a module of its own so that the cachegen module does not require
// google.golang.org/protobuf.
package foreign

import (
	"google.golang.org/protobuf/types/known/apipb"

	"github.com/cachegen/cachegen/examples/foreign/apiclient"
)

//go:generate go tool cachegen

// Repo caches the API client's repositories, by ID and by owner and name.
// Every key field is a pointer, as API models have them; the parameters of
// the generated methods are the values (Get(ctx, id int64)), and a
// repository whose key field is nil is refused by Set.
//
//cache:key=repo:<ID> ttl=1h local=1000
//cache:key=repo:<Owner.Login>/<Name> ttl=1h name=RepoByNameCache
type Repo = apiclient.Repository

// API caches protobuf messages in protobuf's wire format, which services in
// any language can read. The second cache encrypts the protobuf bytes.
//
//cache:key=api:<Name> codec=proto ttl=10m local=100
//cache:key=secret-api:<Name> codec=proto crypt name=SecretAPICache
type API = apipb.Api

package models

import "google.golang.org/protobuf/types/known/apipb"

// API is a protobuf message stored in protobuf's wire format.
//
//cache:key=api:<Name> codec=proto ttl=10m local=100
//cache:key=secret-api:<Name>:<Version> codec=proto crypt name=SecretAPICache
type API = apipb.Api

// Mixin shares its keys with other services: no schema version.
//
//cache:key=mixin:<Name> codec=proto schema=off
type Mixin = apipb.Mixin

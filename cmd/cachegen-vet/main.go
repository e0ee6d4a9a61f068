// Command cachegen-vet runs cachegen's analyzer (package
// github.com/cachegen/cachegen/vet) under go vet: bad //cache: annotations
// and generated code that no longer matches them are reported as
// file:line:col: message, and vet exits non-zero.
//
//	go install github.com/cachegen/cachegen/cmd/cachegen-vet
//	go vet -vettool=$(go env GOPATH)/bin/cachegen-vet ./...
package main

import (
	"golang.org/x/tools/go/analysis/unitchecker"

	"github.com/cachegen/cachegen/vet"
)

func main() { unitchecker.Main(vet.Analyzer) }

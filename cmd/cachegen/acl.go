package main

import (
	"fmt"
	"io"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/internal/acl"
)

// printACL prints the Redis ACL rules of the caches of files (cachegen
// -acl): what follows ACL SETUSER <name>, comment lines starting with #.
func printACL(stdout, stderr io.Writer, files []*generator.File, prefix string) int {
	var caches []acl.Cache
	for _, f := range files {
		caches = append(caches, f.ACL...)
	}
	if len(caches) == 0 {
		fmt.Fprintln(stderr, "cachegen: -acl: no //cache: annotations in these packages")
		return 2
	}
	fmt.Fprint(stdout, acl.Rules(prefix, caches))
	return 0
}

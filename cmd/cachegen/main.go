// Command cachegen generates typed Redis cache wrappers for Go structs
// annotated with //cache: lines. See the generator package for the
// annotation grammar.
//
// Usage:
//
//	cachegen [flags] [packages]
//
// With no packages it generates for the package in the current directory,
// which is how go generate runs it:
//
//	//go:generate cachegen
//
// For every package with at least one annotated struct it writes one file
// (-o, default cache_gen.go) next to the package's sources. A package
// whose annotations were all removed has its old generated file (which is
// recognised by its first line) removed too. On any error nothing is
// written.
//
// Flags:
//
//	-o name    output file name in each package directory (default cache_gen.go)
//	-check     write nothing; exit 1 and name each generated file that is
//	           stale, missing, or present though its package has no
//	           annotations any more
//	-v         report every file written, removed or already up to date
//	-version   print the version and exit
//	-genkey    print a new random key for a crypt cache and exit: rick's
//	           Fernet256 key (64 bytes, for runtime.WithKeys and rick's
//	           CryptRedisCache); with -standard a standard Fernet key
//	           (for runtime.WithStandardFernet and Python's cryptography)
//	-acl       write nothing; print the Redis ACL rules the packages' caches
//	           need (what follows ACL SETUSER <name>), under the runtime
//	           prefix given with -prefix
//
// Exit status: 0 success, 1 stale files under -check, 2 errors.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/cachegen/cachegen/generator"
)

func main() {
	os.Exit(run(".", nil, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, in directory dir, with env as the go command's
// environment (nil: this process's).
func run(dir string, env []string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cachegen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("o", generator.DefaultOutput, "output file `name` in each package directory")
	check := fs.Bool("check", false, "write nothing; exit 1 if a generated file is stale, missing or no longer wanted")
	verbose := fs.Bool("v", false, "report every file written, removed or up to date")
	version := fs.Bool("version", false, "print the version and exit")
	genKey := fs.Bool("genkey", false, "print a new 64-byte Fernet256 key for a crypt cache (runtime.WithKeys, rick's CryptRedisCache) and exit")
	standard := fs.Bool("standard", false, "with -genkey: a standard Fernet key (runtime.WithStandardFernet) instead")
	aclRules := fs.Bool("acl", false, "write nothing; print the Redis ACL rules (ACL SETUSER <name> ...) the caches need")
	prefix := fs.String("prefix", "", "with -acl: the runtime prefix the caches use (runtime.WithPrefix)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: cachegen [flags] [packages]\n\nGenerates typed Redis caches from //cache: annotations.\nWith no packages, generates for the package in the current directory.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *standard && !*genKey {
		fmt.Fprintln(stderr, "cachegen: -standard needs -genkey")
		return 2
	}
	if *genKey {
		return genkey(stdout, *standard)
	}
	if *prefix != "" && !*aclRules {
		fmt.Fprintln(stderr, "cachegen: -prefix needs -acl")
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, "cachegen", buildVersion())
		return 0
	}

	abs, err := filepath.Abs(dir)
	if err != nil {
		fmt.Fprintln(stderr, "cachegen:", err)
		return 2
	}
	files, err := generator.Generate(generator.Config{Dir: abs, Patterns: fs.Args(), Output: *output, Env: env})
	if err != nil {
		var list generator.ErrorList
		if errors.As(err, &list) {
			fmt.Fprintln(stderr, list.Format(abs))
		} else {
			fmt.Fprintln(stderr, "cachegen:", err)
		}
		return 2
	}
	rel := func(p string) string {
		if r, err := filepath.Rel(abs, p); err == nil {
			return r
		}
		return p
	}

	if *aclRules {
		return printACL(stdout, stderr, files, *prefix)
	}
	if *check {
		stale := 0
		for _, f := range files {
			switch {
			case !f.Stale():
				if *verbose {
					fmt.Fprintf(stderr, "%s: up to date\n", rel(f.Path))
				}
				continue
			case f.Content == nil:
				fmt.Fprintf(stderr, "%s: no longer wanted: its package has no //cache: annotations (cachegen removes it)\n", rel(f.Path))
			case !f.Exists:
				fmt.Fprintf(stderr, "%s: missing\n", rel(f.Path))
			default:
				fmt.Fprintf(stderr, "%s: stale\n", rel(f.Path))
			}
			stale++
		}
		if stale > 0 {
			fmt.Fprintln(stderr, "cachegen: generated code is out of date; run cachegen (or go generate) and commit the result")
			return 1
		}
		return 0
	}

	changed, err := generator.Write(files)
	if *verbose {
		done := map[*generator.File]bool{}
		for _, f := range changed {
			done[f] = true
		}
		for _, f := range files {
			switch {
			case !done[f]:
				if !f.Stale() {
					fmt.Fprintf(stderr, "%s: up to date\n", rel(f.Path))
				}
			case f.Content == nil:
				fmt.Fprintf(stderr, "%s: removed (no //cache: annotations left)\n", rel(f.Path))
			default:
				fmt.Fprintf(stderr, "%s: written\n", rel(f.Path))
			}
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "cachegen:", err)
		return 2
	}
	return 0
}

// buildVersion is the module version the binary was built from, or
// "devel" for a build from a working tree.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

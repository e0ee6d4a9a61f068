package generator_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/internal/testmod"
)

const checkSrc = `package models

// User is an account.
//
//cache:key=user:<ID> ttl=1h local=10
//cache:key=tenant:{<Tenant>}:user:<ID> name=TenantUserCache codec=fast
type User struct {
	ID     int64
	Tenant string
	Kids   []User
}
`

// loadWithGenerated loads a package as an analysis driver does: type-checked
// with its generated file in place.
func loadWithGenerated(t *testing.T, dir string) *packages.Package {
	t.Helper()
	pkgs, err := packages.Load(&packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes |
			packages.NeedTypesInfo | packages.NeedModule,
		Dir: dir,
		Env: testmod.Env(),
	}, ".")
	if err != nil || len(pkgs) != 1 {
		t.Fatalf("load: %v (%d packages)", err, len(pkgs))
	}
	if len(pkgs[0].Errors) > 0 {
		t.Fatalf("load: %v", pkgs[0].Errors)
	}
	return pkgs[0]
}

// TestCheckSharesGenerateRules: Check, the entry point for tools that load
// packages themselves (issue 17's analyzer), gives the very bytes Generate
// writes for a package loaded with its generated file in place (whose
// declarations are neither collisions nor names to avoid), different bytes
// once an annotation changes, and Generate's positioned errors.
func TestCheckSharesGenerateRules(t *testing.T) {
	dir := testmod.New(t, "example.com/check", map[string]string{"models/user.go": checkSrc})
	models := filepath.Join(dir, "models")
	files, err := generator.Generate(generator.Config{Dir: models, Env: testmod.Env()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generator.Write(files); err != nil {
		t.Fatal(err)
	}
	onDisk, err := os.ReadFile(filepath.Join(models, "cache_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	src, errs := generator.Check(loadWithGenerated(t, models), "")
	if errs != nil || !bytes.Equal(src, onDisk) {
		t.Fatalf("Check on a fresh package: errors %v, same bytes %v", errs, bytes.Equal(src, onDisk))
	}

	testmod.WriteFile(t, filepath.Join(models, "user.go"), strings.Replace(checkSrc, "ttl=1h", "ttl=2h", 1))
	src, errs = generator.Check(loadWithGenerated(t, models), "")
	if errs != nil || bytes.Equal(src, onDisk) || !bytes.Contains(src, []byte("2 * time.Hour")) {
		t.Fatalf("Check after ttl=1h became ttl=2h: errors %v, output unchanged %v", errs, bytes.Equal(src, onDisk))
	}

	testmod.WriteFile(t, filepath.Join(models, "user.go"), strings.Replace(checkSrc, "<ID> ttl=1h", "<Id> ttl=1h", 1))
	_, errs = generator.Check(loadWithGenerated(t, models), "")
	if len(errs) != 1 || errs[0].Pos.Line != 5 || errs[0].Pos.Column != 19 || errs[0].Msg != "unknown field <Id>; did you mean <ID>?" {
		t.Fatalf("Check of a bad annotation: %v", errs)
	}
}

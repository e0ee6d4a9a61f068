package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/internal/testmod"
)

// A service module as a new user builds one: a model package with
// //go:generate and a cmd/ that uses the generated API more than ten times
// (the compiler stops at ten errors, which is what used to leak out).

const serviceModels = `package models

//go:generate cachegen

// User is an account.
//
//cache:key=user:<ID> ttl=1h
type User struct {
	ID    int64
	Email string
}

// Order belongs to a tenant.
//
//cache:key=tenant:{<TenantID>}:order:<ID> ttl=15m
type Order struct {
	TenantID string
	ID       int64
}

// Must is the service's own helper around a generated constructor.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
`

const serviceMain = `package main

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"

	"example.com/svc/models"
)

func users(rc redis.UniversalClient) *models.UserCache {
	c, err := models.NewUserCache(rc)
	if err != nil {
		panic(err)
	}
	return c
}

func orders(rc redis.UniversalClient) *models.OrderCache {
	c, err := models.NewOrderCache(rc)
	if err != nil {
		panic(err)
	}
	return c
}

func show(ctx context.Context, u *models.UserCache, o *models.OrderCache, k models.OrderKey) {
	fmt.Println(u.Key(1), o.Key(k.TenantID, k.ID))
}

func main() {
	ctx := context.Background()
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	u, o := users(rc), orders(rc)
	fmt.Println(u.Get(ctx, 1))
	fmt.Println(u.Get(ctx, 2))
	fmt.Println(u.Has(ctx, 3))
	fmt.Println(u.Remove(ctx, 4))
	fmt.Println(u.TTL(ctx, 5))
	fmt.Println(u.Set(ctx, &models.User{ID: 6}))
	fmt.Println(o.Get(ctx, "t", 1))
	fmt.Println(o.GetMany(ctx, []models.OrderKey{{TenantID: "t", ID: 3}}))
	show(ctx, users(rc), orders(rc), models.OrderKey{TenantID: "t", ID: 1})
	show(ctx, models.Must(models.NewUserCache(rc)), nil, models.OrderKey{})
	var _ *models.UserCache = nil
	var _ *models.OrderCache = nil
}
`

func serviceModule(t *testing.T) string {
	t.Helper()
	return testmod.New(t, "example.com/svc", map[string]string{
		"models/models.go": serviceModels,
		"cmd/demo/main.go": serviceMain,
		"internal/x/x.go":  "package x\n",
	})
}

func TestServiceModuleFromRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	dir := serviceModule(t)
	if n := strings.Count(serviceMain, "models.New") + strings.Count(serviceMain, "Cache") + strings.Count(serviceMain, "OrderKey"); n < 10 {
		t.Fatalf("the program uses the generated API %d times, want at least 10", n)
	}
	// Before the first generation cmd/demo does not compile; that is the
	// go command's business, not a cachegen error.
	code, _, stderr := cachegen(t, dir, "-check", "./...")
	if code != 1 || !strings.Contains(stderr, filepath.Join("models", "cache_gen.go")+": missing") || strings.Contains(stderr, "cmd") {
		t.Fatalf("-check ./... before generating: exit %d, want 1 naming models/cache_gen.go only\n%s", code, stderr)
	}
	mustRun(t, dir, "./...")
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		if out, err := goCmd(t, dir, testmod.Env(), args...); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// Fresh code: both commands from the root succeed, again and again.
	for range 2 {
		if code, _, stderr := cachegen(t, dir, "-check", "./..."); code != 0 {
			t.Fatalf("-check ./... on fresh code: exit %d\n%s", code, stderr)
		}
		mustRun(t, dir, "./...")
	}
	// A struct edit makes the file stale; -check says so and only so.
	testmod.WriteFile(t, filepath.Join(dir, "models", "models.go"), strings.Replace(serviceModels, "Email string", "Email string\n\tName  string", 1))
	code, _, stderr = cachegen(t, dir, "-check", "./...")
	if code != 1 || strings.TrimSpace(stderr) != filepath.Join("models", "cache_gen.go")+": stale\ncachegen: generated code is out of date; run cachegen (or go generate) and commit the result" {
		t.Fatalf("-check ./... after a struct edit: exit %d\n%s", code, stderr)
	}
	mustRun(t, dir, "./...")
	if out, err := goCmd(t, dir, testmod.Env(), "build", "./..."); err != nil {
		t.Fatalf("go build after regenerating: %v\n%s", err, out)
	}
}

// TestServiceModuleErrorPaths: an error in the model package, found from
// the module root, is printed once with its path relative to the root
// (not models/models/models.go).
func TestServiceModuleErrorPaths(t *testing.T) {
	dir := serviceModule(t)
	mustRun(t, dir, "./...")
	bad := serviceModels + "\nfunc broken() int { return \"x\" }\n"
	testmod.WriteFile(t, filepath.Join(dir, "models", "models.go"), bad)
	line := strings.Count(bad[:strings.Index(bad, "func broken")], "\n") + 1
	want := filepath.Join("models", "models.go") + ":" + itoa(line) + ":28: cannot use \"x\" (untyped string constant) as int value in return statement\n"
	for _, args := range [][]string{{"./..."}, {"-check", "./..."}} {
		code, _, stderr := cachegen(t, dir, args...)
		if code != 2 || stderr != want {
			t.Errorf("cachegen %s: exit %d, stderr\n%s\nwant exit 2 and\n%s", strings.Join(args, " "), code, stderr, want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestNearMissAnnotations: a doc-comment line that is clearly an attempt
// at an annotation is an error at its position, even with -v silent
// before.
func TestNearMissAnnotations(t *testing.T) {
	src := `package models

// A has a space after the slashes.
//
// cache:key=a:<ID> ttl=1h
type A struct{ ID int64 }

// B is capitalised.
//
//Cache:key=b:<ID>
type B struct{ ID int64 }

// C has spaces around the colon.
//
//  CACHE : key=c:<ID>
type C struct{ ID int64 }

// D is not an attempt: the cache: text is prose.
//
// The cache: keys of D are built elsewhere.
type D struct{ ID int64 }
`
	dir := testmod.New(t, "example.com/scratch", map[string]string{"models/m.go": src})
	code, _, stderr := cachegen(t, dir, "-v", "./...")
	m := filepath.Join("models", "m.go")
	want := m + ":5:1: malformed annotation: write //cache: (no space, lower case) at the start of the line\n" +
		m + ":10:1: malformed annotation: write //cache: (no space, lower case) at the start of the line\n" +
		m + ":15:1: malformed annotation: write //cache: (no space, lower case) at the start of the line\n"
	if code != 2 || stderr != want {
		t.Fatalf("exit %d, stderr\n%s\nwant exit 2 and\n%s", code, stderr, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "models", "cache_gen.go")); !os.IsNotExist(err) {
		t.Fatalf("a file was written: %v", err)
	}
}

// TestSelfReferentialLocal runs the built command, under a timeout, on
// structs that contain themselves through a slice, a map and a pointer
// with local=: it must generate (a recursive deep copy) and the result
// must build, rather than recurse until the machine runs out of memory.
func TestSelfReferentialLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cachegen")
	}
	src := `package models

// T contains itself through a slice.
//
//cache:key=t:<ID> local=100
type T struct {
	ID   int64
	Kids []T
}

// M contains itself through a map and an array of pointers.
//
//cache:key=m:<ID> local=100
type M struct {
	ID    int64
	ByKey map[string]M
	Pair  [2]*M
	Next  *M
}
`
	bin := filepath.Join(t.TempDir(), "cachegen")
	if out, err := goCmd(t, ".", os.Environ(), "build", "-o", bin, "."); err != nil {
		t.Fatalf("go build cachegen: %v\n%s", err, out)
	}
	dir := testmod.New(t, "example.com/scratch", map[string]string{
		"models/m.go": src,
		"models/m_test.go": `package models

import "testing"

func TestClone(t *testing.T) {
	v := &T{ID: 1, Kids: []T{{ID: 2, Kids: []T{{ID: 3}}}}}
	c := cloneT(v)
	c.Kids[0].Kids[0].ID = 9
	if v.Kids[0].Kids[0].ID != 3 {
		t.Fatal("the copy shares a grandchild")
	}
	m := &M{ID: 1, ByKey: map[string]M{"a": {ID: 2, ByKey: map[string]M{"b": {ID: 3}}}}, Next: &M{ID: 4}}
	m.Pair[1] = &M{ID: 5}
	cm := cloneM(m)
	cm.ByKey["a"].ByKey["b"] = M{ID: 9}
	cm.Next.ID, cm.Pair[1].ID = 9, 9
	if m.ByKey["a"].ByKey["b"].ID != 3 || m.Next.ID != 4 || m.Pair[1].ID != 5 || cm.Pair[0] != nil {
		t.Fatal("the copy shares a map or a pointer")
	}
}
`,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "./...")
	cmd.Dir = dir
	cmd.Env = testmod.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cachegen on self-referential types (60s timeout): %v\n%s", err, out)
	}
	for _, args := range [][]string{{"vet", "./..."}, {"test", "-count=1", "./..."}} {
		if out, err := goCmd(t, dir, testmod.Env(), args...); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

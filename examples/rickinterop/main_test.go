package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cachegen/cachegen/internal/redistest"
	"github.com/cachegen/cachegen/runtime"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestEmbedded is `go run ./examples/rickinterop`.
func TestEmbedded(t *testing.T) {
	var out strings.Builder
	if err := run(ctxT(t), &out, "", DemoKey, "both"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ok: every value read back equal") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestRealRedis writes and reads back on a real redis-server and checks
// each stored value has rick's format.
func TestRealRedis(t *testing.T) {
	ctx := ctxT(t)
	srv := redistest.Start(t)
	var out strings.Builder
	if err := run(ctx, &out, srv.URL(), DemoKey, "both"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	raw := rawValues(t, srv)
	if p := raw["pickle_order"]; !bytes.HasPrefix(p, []byte{0x80, 0x04}) || p[len(p)-1] != '.' {
		t.Errorf("pickle value is not a protocol 4 pickle: % x", p)
	}
	if p := raw["profile"]; !bytes.HasPrefix(p, []byte{0x80, 0x04}) {
		t.Errorf("profile is not a protocol 4 pickle: % x", p)
	}
	// rick's packb writes a dict as a map, Decimal("123.45") as ext 3 with
	// its text, and a UUID as fixext 16 of type 4.
	m := raw["msgpack_order"]
	if m[0] != 0x86 {
		t.Errorf("msgpack value does not start with a 6-entry fixmap: % x", m)
	}
	for _, want := range [][]byte{
		{0xc7, 0x06, 0x03, '1', '2', '3', '.', '4', '5'},
		{0xd8, 0x04, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78},
		[]byte("2025-01-01T12:00:00+00:00"),
	} {
		if !bytes.Contains(m, want) {
			t.Errorf("msgpack value lacks % x:\n% x", want, m)
		}
	}
	tok, err := base64.URLEncoding.DecodeString(string(raw["crypt_order"]))
	if err != nil || tok[0] != 0x81 || (len(tok)-57)%16 != 0 {
		t.Errorf("crypt value is not a Fernet256 token: %q (%v)", raw["crypt_order"], err)
	}
	// A crypt cache with another key cannot read it, and says so.
	other, err := NewCaches(srv.Client(t), strings.Repeat("b", 64))
	if err != nil {
		t.Fatal(err)
	}
	var o Order
	if err := other.Crypt.Get(ctx, CryptKey, &o); !errors.Is(err, runtime.ErrInvalidToken) {
		t.Errorf("Get with the wrong key: %v, want ErrInvalidToken", err)
	}
}

// rawValues returns the bytes rickinterop stored, as Redis holds them.
func rawValues(t *testing.T, srv *redistest.Server) map[string][]byte {
	t.Helper()
	rdb := srv.Client(t)
	out := map[string][]byte{}
	for name, key := range map[string]string{
		"pickle_order":  Prefix + PickleKey,
		"msgpack_order": Prefix + MsgpackKey,
		"crypt_order":   Prefix + CryptKey,
		"profile":       Prefix + "profile:42",
	} {
		b, err := rdb.Get(context.Background(), key).Bytes()
		if err != nil {
			t.Fatalf("GET %s: %v", key, err)
		}
		out[name] = b
	}
	return out
}

// TestPython hands what Go wrote to a Python script (standard library only:
// pickle, a small rick-msgpack decoder, HMAC-SHA256 of the Fernet256
// token), which checks every value and pickles and packs new ones, as rick
// would; Go then reads those.
func TestPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 is not installed (CI must run the Python interop test)")
		}
		t.Skip("python3 is not installed")
	}
	ctx := ctxT(t)
	srv := redistest.Start(t)
	var out strings.Builder
	if err := run(ctx, &out, srv.URL(), DemoKey, "write"); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}

	in := map[string]string{"key": DemoKey}
	for name, b := range rawValues(t, srv) {
		in[name] = base64.StdEncoding.EncodeToString(b)
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, python, "testdata/interop.py")
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 testdata/interop.py: %v\n%s", err, stderr.String())
	}
	var fromPython map[string]string
	if err := json.Unmarshal(stdout, &fromPython); err != nil {
		t.Fatalf("python output %q: %v", stdout, err)
	}
	rdb := srv.Client(t)
	for name, key := range map[string]string{
		"pickle_order":  Prefix + PickleKey,
		"msgpack_order": Prefix + MsgpackKey,
		"profile":       Prefix + "profile:42",
	} {
		b, err := base64.StdEncoding.DecodeString(fromPython[name])
		if err != nil || len(b) == 0 {
			t.Fatalf("python's %s: %q (%v)", name, fromPython[name], err)
		}
		if err := rdb.Set(ctx, key, b, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}

	caches, err := NewCaches(rdb, DemoKey)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	orders, profile, err := caches.Read(ctx, &out)
	if err != nil {
		t.Fatalf("reading what Python wrote: %v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	amount, err := runtime.ParseDecimal("0.10")
	if err != nil {
		t.Fatal(err)
	}
	want := Order{
		Timestamp: time.Date(2025, 6, 30, 23, 59, 58, 123456000, time.FixedZone("", 2*3600)),
		Amount:    amount,
		User:      "bob",
		Count:     7,
		ID:        uuid.MustParse("87654321-4321-8765-4321-876543218765"),
		Tags:      []string{"py"},
	}
	for _, k := range []string{PickleKey, MsgpackKey} {
		got := orders[k]
		if !EqualOrders(got, want) {
			t.Errorf("%s written by Python: got %+v, want %+v", k, got, want)
		}
		if _, off := got.Timestamp.Zone(); off != 2*3600 {
			t.Errorf("%s: the datetime's +02:00 offset was lost: %v", k, got.Timestamp)
		}
		if got.Amount.String() != "0.10" {
			t.Errorf("%s: Decimal text %q, want 0.10 exactly", k, got.Amount)
		}
	}
	if profile.Name != "Grace Hopper" || profile.Email != "grace@example.com" || strings.Join(profile.Roles, ",") != "admin,navy" {
		t.Errorf("profile written by Python (pickle protocol 5): got %+v", *profile)
	}
	// The crypt value Go wrote is still readable (Python only checked it).
	if !strings.Contains(out.String(), "rick:crypt:order") {
		t.Errorf("crypt value not read:\n%s", out.String())
	}
}

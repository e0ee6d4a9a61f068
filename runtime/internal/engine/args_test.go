package engine

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestMgetCmdArgs: the in-place interfaces are ordinary string arguments
// to everything that reads them (go-redis's writer and router type-switch
// on string; hooks print cmd.String()), survive garbage collections, and
// cost one allocation for the argument slice, not one per key.
func TestMgetCmdArgs(t *testing.T) {
	if !boxInPlace {
		t.Fatal("interfaces cannot be built in place on this runtime: GetMany falls back to one allocation per key")
	}
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "k:" + strconv.Itoa(i*7919)
	}
	cmd := mgetCmd(context.Background(), keys)
	runtime.GC()
	args := cmd.Args()
	if len(args) != 101 || args[0] != "mget" {
		t.Fatalf("args %v", args[:2])
	}
	for i, a := range args[1:] {
		s, ok := a.(string)
		if !ok || s != keys[i] || a != any(keys[i]) {
			t.Fatalf("arg %d = %#v, want %q", i+1, a, keys[i])
		}
	}
	if got, want := cmd.String(), "mget "+strings.Join(keys, " ")+": []"; got != want {
		t.Fatalf("String() = %.60q…, want %.60q…", got, want)
	}
	var sink []any
	if a := testing.AllocsPerRun(100, func() { sink = mgetCmd(context.Background(), keys).Args() }); a > 3 {
		t.Fatalf("%v allocations for MGET of 100 keys, want at most 3 (args, command)", a)
	}
	_ = sink
	boxInPlace = false
	defer func() { boxInPlace = true }()
	for i, a := range mgetCmd(context.Background(), keys).Args()[1:] {
		if a != any(keys[i]) {
			t.Fatalf("fallback: arg %d = %#v", i+1, a)
		}
	}
}

// TestRepliesAt: a found value (empty too), a miss, a failed node, and a
// reply of another type (read as a miss, as before replies were go-redis'
// own slice).
func TestRepliesAt(t *testing.T) {
	r := replies{"v", "", nil, failedReply{}, int64(1)}
	want := []struct {
		s  string
		st uint8
	}{{"v", replyFound}, {"", replyFound}, {"", replyMiss}, {"", replyFailed}, {"", replyMiss}}
	for i, w := range want {
		if s, st := r.at(i); s != w.s || st != w.st {
			t.Errorf("at(%d) = %q, %d; want %q, %d", i, s, st, w.s, w.st)
		}
	}
	for i := range r.allFailed() {
		if _, st := r.at(i); st != replyFailed {
			t.Errorf("allFailed: at(%d) = %d", i, st)
		}
	}
}

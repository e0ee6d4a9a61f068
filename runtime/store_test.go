package runtime_test

import (
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
)

type User struct {
	ID    int64
	Email string
	Tags  []string
}

// userSpec is what the generator writes for //cache:key=user:<ID>.
var userSpec = runtime.Spec{
	Name: "UserCache", Version: "v0000001",
	Pattern: "user:*:v0000001", Match: `user:(?:-?[0-9]+):v0000001`,
	AllPattern: "user:*", AllMatch: `user:(?:-?[0-9]+)(?::v[0-9a-f]{7})?`,
}

func userKey(s *runtime.Store[User], id int64) string {
	return s.Prefix() + "user:" + strconv.FormatInt(id, 10) + ":v0000001"
}

func newUsers(t *testing.T, rdb redis.UniversalClient, opts ...runtime.Option) *runtime.Store[User] {
	t.Helper()
	s, err := runtime.NewStore[User](rdb, userSpec, opts...)
	must(t, err)
	return s
}

func TestEscapeKey(t *testing.T) {
	for in, want := range map[string]string{
		"plain":  "plain",
		"a:b":    "a%3Ab",
		"50%":    "50%25",
		"{tag}":  "%7Btag%7D",
		"a-b_c":  "a%2Db_c", // '-' is in the template's literal text below
		"é":      "é",
		"x\x00y": "x\x00y",
	} {
		if got := runtime.EscapeKey(in, "-"); got != want {
			t.Errorf("EscapeKey(%q) = %q, want %q", in, got, want)
		}
	}
	// a:<X>:<Y> with X="1:2",Y="3" vs X="1",Y="2:3" must differ.
	k1 := "a:" + runtime.EscapeKey("1:2", "") + ":" + runtime.EscapeKey("3", "")
	k2 := "a:" + runtime.EscapeKey("1", "") + ":" + runtime.EscapeKey("2:3", "")
	if k1 == k2 {
		t.Fatal("collision")
	}
}

func TestSlot(t *testing.T) {
	// Values from the Redis Cluster specification and CLUSTER KEYSLOT.
	for k, want := range map[string]uint16{"123456789": 12739, "foo": 12182, "{user1000}.following": 3443, "{user1000}.followers": 3443, "foo{}{bar}": 8363, "{}": 15257} {
		if got := runtime.Slot(k); got != want {
			t.Errorf("Slot(%q) = %d, want %d", k, got, want)
		}
	}
}

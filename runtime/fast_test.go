package runtime_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/cachegen/cachegen/runtime"
	"github.com/cachegen/cachegen/runtime/fastwire"
)

// point is encoded by hand the way cachegen generates codec=fast code.
type point struct {
	X    int64
	Name string
	Tags []string
}

func encodePoint(w *fastwire.Writer, v *point) {
	if !w.Enter() {
		return
	}
	w.IntField(1, v.X)
	w.StringField(2, v.Name)
	if w.LenField(3, v.Tags != nil, len(v.Tags)) {
		for i := range v.Tags {
			w.String(v.Tags[i])
		}
	}
	w.Leave()
}

func decodePoint(r *fastwire.Reader, v *point) {
	r.Enter()
	if r.Field(1) {
		v.X = r.Int64()
	}
	if r.Field(2) {
		v.Name = r.String()
	}
	if n := r.LenField(3, 1); n >= 0 {
		v.Tags = make([]string, n)
		for i := range v.Tags {
			v.Tags[i] = r.String()
		}
	}
	r.Leave()
}

var pointCodec = runtime.FastCodec(encodePoint, decodePoint)

func pointSpec() runtime.Spec {
	return runtime.Spec{Name: "PointCache", Codec: runtime.CodecFast, Pattern: "p:*", Match: "p:.*", AllPattern: "p:*", AllMatch: "p:.*"}
}

func TestFastCodecByNameRefused(t *testing.T) {
	_, err := runtime.CodecByName("fast")
	if err == nil || !strings.Contains(err.Error(), "generated constructor") {
		t.Fatalf("CodecByName(fast) = %v, want an error pointing at the generated constructor", err)
	}
	// A Store of codec=fast without the generated codec fails clearly.
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	_, err = runtime.NewStore[point](c, pointSpec())
	if err == nil || !strings.Contains(err.Error(), "PointCache") || !strings.Contains(err.Error(), "WithCodec") {
		t.Fatalf("NewStore of codec=fast without WithCodec: %v", err)
	}
	if _, err := runtime.NewStore[point](c, pointSpec(), runtime.WithCodec(pointCodec)); err != nil {
		t.Fatalf("NewStore with the codec: %v", err)
	}
}

func TestFastCodecAdapter(t *testing.T) {
	if pointCodec.Name() != "fast" {
		t.Fatalf("Name = %q", pointCodec.Name())
	}
	in := &point{X: -5, Name: "n", Tags: []string{"a", ""}}
	data, err := pointCodec.Marshal(in)
	must(t, err)
	// The result is the caller's: the next Marshal must not overwrite it.
	keep := string(data)
	if _, err := pointCodec.Marshal(&point{X: 99, Name: "other value"}); err != nil {
		t.Fatal(err)
	}
	if string(data) != keep {
		t.Fatal("Marshal's result was overwritten by the next Marshal")
	}
	var out point
	must(t, pointCodec.Unmarshal(data, &out))
	if out.X != -5 || out.Name != "n" || len(out.Tags) != 2 || out.Tags[0] != "a" {
		t.Fatalf("round trip: %+v", out)
	}
	for _, bad := range []any{point{}, &struct{}{}, nil, (*point)(nil)} {
		if err := pointCodec.Unmarshal(data, bad); err == nil {
			t.Errorf("Unmarshal into %T accepted", bad)
		}
	}
	if _, err := pointCodec.Marshal("x"); err == nil {
		t.Error("Marshal of a string accepted")
	}
	if err := pointCodec.Unmarshal([]byte{0x81, 0xa1, 'X', 1}, &out); err == nil || !strings.Contains(err.Error(), "header") {
		t.Errorf("msgpack bytes: %v, want a header error", err)
	}
}

// TestFastStore runs a Store with a generated-style codec against Redis:
// values round-trip, and foreign bytes are ErrDecode.
func TestFastStore(t *testing.T) {
	ctx := context.Background()
	rdb := server(t)
	s, err := runtime.NewStore[point](rdb, pointSpec(), runtime.WithCodec(pointCodec))
	must(t, err)
	must(t, s.Set(ctx, "p:1", &point{X: 1, Tags: []string{}}, 0))
	got, err := s.Get(ctx, "p:1")
	must(t, err)
	if got.X != 1 || got.Tags == nil || len(got.Tags) != 0 {
		t.Fatalf("Get = %+v, want X 1 and empty (not nil) Tags", got)
	}
	must(t, rdb.Set(ctx, "p:2", "\xf1\x01", 0).Err())
	if _, err := s.Get(ctx, "p:2"); !errors.Is(err, runtime.ErrDecode) {
		t.Fatalf("truncated value: %v, want ErrDecode", err)
	}
	must(t, rdb.Set(ctx, "p:3", "\xf1\x00\x00", 0).Err())
	if _, err := s.Get(ctx, "p:3"); !errors.Is(err, runtime.ErrDecode) || !strings.Contains(err.Error(), "trailing") {
		t.Fatalf("trailing bytes: %v, want ErrDecode", err)
	}
}

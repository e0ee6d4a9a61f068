package fastbench

import (
	"testing"
	"time"

	"github.com/cachegen/cachegen/runtime"
	icodec "github.com/cachegen/cachegen/runtime/internal/codec"
)

func benchUser() *User {
	return &User{
		ID:      123456789,
		Email:   "ann.example@example.com",
		Name:    "Ann Example",
		Age:     42,
		Active:  true,
		Created: time.Date(2024, 5, 17, 9, 30, 15, 123456000, time.UTC),
		Tags:    []string{"admin", "beta"},
	}
}

func codec(b *testing.B, name string) runtime.Codec {
	if name == "fast" {
		return fastUserCodec
	}
	c, err := runtime.CodecByName(name)
	if err != nil {
		b.Fatal(err)
	}
	if name == "gob" {
		return authenticated{c} // gob decodes only what crypt authenticated
	}
	return c
}

// authenticated decodes as the crypt layer does after verifying a token.
type authenticated struct{ runtime.Codec }

func (a authenticated) Unmarshal(data []byte, v any) error {
	return icodec.UnmarshalAuthenticated(a.Codec, data, v)
}

// BenchmarkCodecUser is Marshal and then Unmarshal of the 7-field User, per
// codec: the cost of a Set plus a Get, Redis aside.
func BenchmarkCodecUser(b *testing.B) {
	for _, name := range []string{"fast", "msgpack", "json", "gob"} {
		b.Run(name, func(b *testing.B) {
			c := codec(b, name)
			u := benchUser()
			data, err := c.Marshal(u)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(data)), "bytes")
			b.ReportAllocs()
			for b.Loop() {
				data, err := c.Marshal(u)
				if err != nil {
					b.Fatal(err)
				}
				var out User
				if err := c.Unmarshal(data, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMarshalUser and BenchmarkUnmarshalUser split the round trip.
func BenchmarkMarshalUser(b *testing.B) {
	for _, name := range []string{"fast", "msgpack", "json", "gob"} {
		b.Run(name, func(b *testing.B) {
			c := codec(b, name)
			u := benchUser()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Marshal(u); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUnmarshalUser(b *testing.B) {
	for _, name := range []string{"fast", "msgpack", "json", "gob"} {
		b.Run(name, func(b *testing.B) {
			c := codec(b, name)
			data, err := c.Marshal(benchUser())
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				var out User
				if err := c.Unmarshal(data, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCloneUser is the generated deep copy a near-cache hit costs,
// beside the copy through the codec that the runtime falls back to.
func BenchmarkCloneUser(b *testing.B) {
	u := benchUser()
	b.Run("generated", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = cloneUser(u)
		}
	})
	for _, name := range []string{"fast", "msgpack"} {
		b.Run("via-"+name, func(b *testing.B) {
			c := codec(b, name)
			b.ReportAllocs()
			for b.Loop() {
				data, err := c.Marshal(u)
				if err != nil {
					b.Fatal(err)
				}
				var out User
				if err := c.Unmarshal(data, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCodecAll round-trips the struct with every field type.
func BenchmarkCodecAll(b *testing.B) {
	a := full()
	b.ReportAllocs()
	for b.Loop() {
		data, err := fastAllCodec.Marshal(a)
		if err != nil {
			b.Fatal(err)
		}
		var out All
		if err := fastAllCodec.Unmarshal(data, &out); err != nil {
			b.Fatal(err)
		}
	}
}

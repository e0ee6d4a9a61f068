package codec

import (
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

func benchUser() *user {
	return &user{
		ID: 1234567, Email: "ada.lovelace@example.com", Name: "Ada Lovelace", Age: 36, Active: true,
		Created: time.Date(2025, 11, 6, 14, 30, 45, 123456000, time.UTC), Tags: []string{"admin", "math", "poet"},
	}
}

// BenchmarkCodec measures one Marshal plus one Unmarshal of the 7-field
// struct per codec, with raw vmihailenco msgpack.Marshal/Unmarshal beside
// them as the baseline for the default codec.
func BenchmarkCodec(b *testing.B) {
	in := benchUser()
	for _, c := range allCodecs() {
		b.Run(c.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				data, err := c.Marshal(in)
				if err != nil {
					b.Fatal(err)
				}
				var out user
				if err := c.Unmarshal(data, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("raw-vmihailenco", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			data, err := msgpack.Marshal(in)
			if err != nil {
				b.Fatal(err)
			}
			var out user
			if err := msgpack.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	in := benchUser()
	for _, c := range allCodecs() {
		b.Run(c.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Marshal(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("raw-vmihailenco", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := msgpack.Marshal(in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUnmarshal(b *testing.B) {
	in := benchUser()
	for _, c := range allCodecs() {
		data, err := c.Marshal(in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var out user
				if err := c.Unmarshal(data, &out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	data, _ := msgpack.Marshal(in)
	b.Run("raw-vmihailenco", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out user
			if err := msgpack.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCheckMsgpack(b *testing.B) {
	data, _ := Msgpack().Marshal(benchUser())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := CheckMsgpack(data, MaxDepth); err != nil {
			b.Fatal(err)
		}
	}
}

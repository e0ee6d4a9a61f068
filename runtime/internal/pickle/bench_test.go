package pickle

import (
	"testing"
	"time"
)

func smallDict() map[string]any {
	return map[string]any{
		"id": 42, "name": "Alice", "email": "alice@example.com", "active": true,
		"score": 98.5, "tags": []string{"a", "b", "c"},
		"created": time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

type benchUser struct {
	ID      int64     `pickle:"id"`
	Name    string    `pickle:"name"`
	Email   string    `pickle:"email"`
	Active  bool      `pickle:"active"`
	Score   float64   `pickle:"score"`
	Tags    []string  `pickle:"tags"`
	Created time.Time `pickle:"created"`
}

func BenchmarkMarshalSmallDict(b *testing.B) {
	v := smallDict()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Codec().Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalSmallDictAny(b *testing.B) {
	data, err := Codec().Marshal(smallDict())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := Codec().Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalSmallDictStruct(b *testing.B) {
	data, err := Codec().Marshal(smallDict())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var u benchUser
		if err := Codec().Unmarshal(data, &u); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	data, err := Codec().Marshal(smallDict())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(data, MaxDepth); err != nil {
			b.Fatal(err)
		}
	}
}

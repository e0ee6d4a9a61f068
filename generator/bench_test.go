package generator_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/internal/testmod"
)

// BenchmarkGenerate100 generates a package of 100 annotated structs (two
// caches each, one with a two-placeholder key): go/packages loading,
// parsing, emitting and formatting, without writing.
func BenchmarkGenerate100(b *testing.B) {
	var src strings.Builder
	src.WriteString("package models\n\nimport \"time\"\n")
	for i := range 100 {
		fmt.Fprintf(&src, `
// Entity%[1]d is entity number %[1]d.
//
//cache:key=e%[1]d:<ID> ttl=1h
//cache:key=e%[1]d:<Tenant>:<Name> name=Entity%[1]dByNameCache codec=json
type Entity%[1]d struct {
	ID      int64
	Tenant  string
	Name    string
	Created time.Time
	Tags    []string
	Sub     Sub%[1]d
}

// Sub%[1]d is nested in Entity%[1]d.
type Sub%[1]d struct {
	A int
	B map[string]float64
}
`, i)
	}
	dir := testmod.New(b, "example.com/bench", map[string]string{"models/models.go": src.String()})
	cfg := generator.Config{Dir: dir, Patterns: []string{"./models"}, Env: testmod.Env()}
	// Warm the build cache so the first iteration is not an outlier.
	if _, err := generator.Generate(cfg); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	var size int
	for b.Loop() {
		files, err := generator.Generate(cfg)
		if err != nil {
			b.Fatal(err)
		}
		size = len(files[0].Content)
	}
	b.ReportMetric(float64(size), "bytes/op-output")
}

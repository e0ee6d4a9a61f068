package generator_test

import (
	"testing"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/internal/testmod"
)

// checkedIn lists the packages of this module whose generated file is
// checked in and compiled by go test: the codec=fast round-trip, fuzz and
// benchmark package.
var checkedIn = []string{"./runtime/internal/fastbench"}

// TestCheckedInFresh regenerates the checked-in generated files and
// expects the bytes on disk (-update rewrites them).
func TestCheckedInFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("loads packages with the go command")
	}
	files, err := generator.Generate(generator.Config{Dir: testmod.Root(t), Patterns: checkedIn})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(checkedIn) {
		t.Fatalf("generated %d files for %d packages", len(files), len(checkedIn))
	}
	for _, f := range files {
		if !f.Stale() {
			continue
		}
		if *update {
			if _, err := generator.Write([]*generator.File{f}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s is stale (run go test ./generator -update, or go generate ./runtime/internal/fastbench):\n%s",
			f.Path, diff("on disk", "generated", string(f.Old), string(f.Content)))
	}
}

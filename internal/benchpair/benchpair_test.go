package benchpair

import (
	"strings"
	"testing"
)

// TestRunAlternatesInBlocks checks the order Run calls the two operations
// in: blocks of xBlock and yBlock calls, x first in even rounds and y first
// in odd ones (ABBA), so that neither side always runs after the other.
func TestRunAlternatesInBlocks(t *testing.T) {
	var calls strings.Builder
	var rounds int
	testing.Benchmark(func(b *testing.B) {
		calls.Reset()
		rounds = 0
		Run(b, "x", 2, func() { calls.WriteByte('x') }, "y", 1, func() { calls.WriteByte('y') })
		rounds = b.N
	})
	if rounds < 2 {
		t.Fatalf("benchmark ran %d rounds", rounds)
	}
	got := calls.String()
	var want strings.Builder
	for i := range rounds {
		if i%2 == 0 {
			want.WriteString("xxy")
		} else {
			want.WriteString("yxx")
		}
	}
	if got != want.String() {
		t.Fatalf("call order over %d rounds:\n got %.40s…\nwant %.40s…", rounds, got, want.String())
	}
}

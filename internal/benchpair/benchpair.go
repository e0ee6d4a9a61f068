// Package benchpair measures two operations that a benchmark compares by
// alternating between them in short blocks, in ABBA order, so that a burst
// of load on a shared machine slows both alike. The ns/op of two separately
// run benchmarks moves by ±20% from run to run on a 2-vCPU machine; a
// paired ratio moves by a few percent.
package benchpair

import (
	"testing"
	"time"
)

// Run measures x and y alternately, xBlock and yBlock calls at a time, for
// as long as b runs. It reports each one's ns/op under xName and yName and
// the ratio y/x as "<yName>/<xName>", suppresses the built-in ns/op (one
// iteration is a pair of blocks), and returns the two ns/op. Allocations
// are the unpaired benchmarks' to report.
func Run(b *testing.B, xName string, xBlock int, x func(), yName string, yBlock int, y func()) (px, py float64) {
	var tx, ty time.Duration
	var nx, ny int
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			tx += block(x, xBlock)
			ty += block(y, yBlock)
		} else {
			ty += block(y, yBlock)
			tx += block(x, xBlock)
		}
		nx += xBlock
		ny += yBlock
	}
	px = float64(tx.Nanoseconds()) / float64(nx)
	py = float64(ty.Nanoseconds()) / float64(ny)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(px, xName+"-ns/op")
	b.ReportMetric(py, yName+"-ns/op")
	b.ReportMetric(py/px, yName+"/"+xName)
	return px, py
}

func block(f func(), n int) time.Duration {
	start := time.Now()
	for range n {
		f()
	}
	return time.Since(start)
}

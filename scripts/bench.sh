#!/usr/bin/env bash
# The benchmarks behind BENCHMARKS.md, exactly as they were run there.
#
#   scripts/bench.sh              full run: -count=10, raw results and summary.txt in $OUT
#                               (default /tmp/cachegen-bench-<time>/)
#   COUNT=3 scripts/bench.sh      quicker, noisier
#   SMOKE=1 scripts/bench.sh      every benchmark once (-benchtime 1x), no summary
#
# Client and redis-server are pinned to one CPU with `taskset -c $CPU` (the
# redis-server that each benchmark starts inherits the affinity): on a
# 2-vCPU machine a loopback GET then costs ~9 µs instead of a scattered
# 35-70 µs. Trust ratios within one run and allocs/op over absolute times.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-10}
CPU=${CPU:-0}
OUT=${OUT:-${TMPDIR:-/tmp}/cachegen-bench-$(date -u +%Y%m%d-%H%M%S)}

pin=()
if command -v taskset >/dev/null; then
	pin=(taskset -c "$CPU")
else
	echo "bench.sh: taskset not found (util-linux): running unpinned, expect noisy network figures" >&2
fi

if [ -n "${SMOKE:-}" ]; then
	"${pin[@]}" go test -run '^$' -bench . -benchtime 1x -benchmem ./runtime ./runtime/internal/fernet ./runtime/internal/codec ./runtime/internal/engine ./runtime/internal/fastbench
	(cd bench && "${pin[@]}" go test -run '^$' -bench . -benchtime 1x -benchmem .)
	exit 0
fi

benchstat=$(go env GOPATH)/bin/benchstat
[ -x "$benchstat" ] || go install golang.org/x/perf/cmd/benchstat@latest

mkdir -p "$OUT"
{
	echo "date:   $(date -u +%FT%TZ)"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ' (dirty)')"
	echo "go:     $(go version)"
	echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2-) × $(nproc)"
	echo "redis:  $(redis-server --version 2>/dev/null)"
	echo "kernel: $(uname -sr)"
	echo "pin:    ${pin[*]:-none}"
} | tee "$OUT/machine.txt"

run() { # name dir package-or-dot bench-regexp
	local name=$1 dir=$2 pkg=$3 re=$4
	echo "== $name: go test -run '^\$' -bench '$re' -count=$COUNT -benchmem $pkg (in $dir)"
	(cd "$dir" && "${pin[@]}" go test -run '^$' -bench "$re" -count="$COUNT" -benchmem -timeout 60m "$pkg") >"$OUT/$name.txt"
}

# Network benchmarks: cachegen against raw go-redis in ./runtime, and against
# go-redis/cache in the bench/ module, each against its own redis-server.
run runtime . ./runtime .
run bench bench . .
# In-process figures: the cipher and the codecs alone.
run fernet . ./runtime/internal/fernet 'Fernet256|CryptStages'
run codec . ./runtime/internal/codec 'Codec$'
# Issue 18's hot paths: what crypt adds in process, and the generated
# GetMany(100) beside a raw MGET + the same decoding (paired).
run engine . ./runtime/internal/engine CryptCPU
run fastbench . ./runtime/internal/fastbench GetMany100
# Generation time of 100 annotated structs (target < 2 s); slow, so 3 runs.
if grep -qs 'func BenchmarkGenerate100' generator/*_test.go; then
	COUNT=3 run generate . ./generator Generate100
fi

{
	bs() { echo; echo "### $1"; shift; "$benchstat" "$@"; }
	bs "runtime: paired comparisons (alternating blocks; ratios are the figures to trust)" -filter '.name:Paired' "$OUT/runtime.txt"
	bs "bench/: paired comparisons, cachegen vs go-redis/cache (below 1: cachegen faster)" -filter '.name:Paired' "$OUT/bench.txt"
	bs "runtime: typed Store vs raw go-redis + same codec, real redis-server" -col /impl -filter '.name:(Get OR Set)' "$OUT/runtime.txt"
	bs "runtime: GetMany(100) vs raw MGET / pipeline + same decoding" -col /impl -filter '.name:GetMany100' "$OUT/runtime.txt"
	bs "runtime: client side only (stubbed connection)" -col /impl -filter '.name:ClientCPU' "$OUT/runtime.txt"
	bs "runtime: crypt vs plain, 1 KiB value, real redis-server" -col /crypt -filter '.name:Crypt' "$OUT/runtime.txt"
	bs "engine: crypt vs plain, 1 KiB value, in process (open+decode / seal)" -col /crypt -filter '.name:CryptCPU' "$OUT/engine.txt"
	bs "engine: what crypt adds, in process, paired" -filter '/op:paired' "$OUT/engine.txt"
	bs "fernet: the stages of a 1 KiB token" -filter '.name:CryptStages' "$OUT/fernet.txt"
	bs "fastbench: generated GetMany(100) vs raw MGET + same decoding, paired" -filter '/paired:/./' "$OUT/fastbench.txt"
	bs "bench/: near-cache hit vs rueidis' client-side-cache hit, paired" -filter '.name:(NearHit OR NearCluster)' "$OUT/bench.txt"
	bs "runtime: near-cache hit" -filter '.name:LocalHit' "$OUT/runtime.txt"
	bs "runtime: every benchmark" "$OUT/runtime.txt"
	bs "bench/: cachegen vs raw go-redis vs go-redis/cache, real redis-server" -col /impl -filter '.name:(Get OR Set OR LocalHit)' "$OUT/bench.txt"
	bs "bench/: client side only (stubbed connection)" -col /impl -filter '.name:ClientCPU' "$OUT/bench.txt"
	bs "Fernet256" -filter '.name:Fernet256' "$OUT/fernet.txt"
	bs "codecs: Marshal + Unmarshal of the 7-field struct" "$OUT/codec.txt"
	if [ -f "$OUT/generate.txt" ]; then
		bs "generator: 100 annotated structs" "$OUT/generate.txt"
	fi
} >"$OUT/summary.txt" 2>&1
cat "$OUT/summary.txt"
echo "results in $OUT/"

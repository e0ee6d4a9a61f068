#!/usr/bin/env bash
# Runs every fuzz target for a while (default 30s each; FUZZTIME=5m for a
# long run). New crashers land in the package's testdata/fuzz/<Target>/ —
# commit them with the fix, so plain `go test` replays them forever.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-30s}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
	pkg=./$(dirname "${f#./}")
	for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | cut -d' ' -f2); do
		echo "== $pkg $target ($t)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$t" "$pkg"
	done
done

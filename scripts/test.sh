#!/usr/bin/env bash
# The project's test command (README: "Run the tests"). It installs the
# servers the tests need when they are missing, then runs every check CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v redis-cli >/dev/null || need+=(redis-tools)
command -v python3 >/dev/null || need+=(python3)
if ((${#need[@]})); then
	sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -q && $sudo apt-get install -y -q "${need[@]}"
fi
export PATH="$(go env GOPATH)/bin:$PATH"
command -v staticcheck >/dev/null || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
[ -z "$bad" ] || { echo "not gofmt'd: $bad"; exit 1; }

modules=(. $(find . -name go.mod -not -path ./go.mod -not -path '*/testdata/*' -exec dirname {} \; | sort))
for m in "${modules[@]}"; do
	# Every module's go.mod and go.sum are exactly what go mod tidy writes:
	# direct requirements not marked indirect, nothing missing or unused.
	echo "== go mod tidy -diff: $m"
	(cd "$m" && go mod tidy -diff) || { echo "$m: go.mod/go.sum are not tidy; run go mod tidy there"; exit 1; }
	echo "== vet, staticcheck: $m"
	(cd "$m" && go vet ./... && staticcheck ./...)
done

if [ -d cmd/cachegen ] && [ -d examples ]; then
	echo "== generated code under examples/ is fresh"
	go run ./cmd/cachegen -check ./examples/...
	# Nested example modules run their own cachegen (a tool directive in
	# their go.mod, replaced by this tree), since ./examples/... stops at
	# a module boundary.
	for m in "${modules[@]:1}"; do
		if grep -qE '^\s*(tool\s+)?github.com/cachegen/cachegen/cmd/cachegen\s*$' "$m/go.mod"; then
			echo "== generated code in $m is fresh"
			(cd "$m" && go tool cachegen -check ./...)
		fi
	done
fi

echo "== tests (real redis-server; -race)"
CI=${CI:-true} go test -race -count=1 -timeout 40m ./...
echo "== runtime and generated-code suites again, on a 3-master Redis Cluster"
CI=${CI:-true} CACHEGEN_TOPOLOGY=cluster go test -race -count=1 -timeout 20m ./runtime ./generator
for m in "${modules[@]:1}"; do
	echo "== tests: $m"
	(cd "$m" && CI=${CI:-true} go test -race -count=1 -timeout 20m ./...)
done

echo "== benchmarks build and run once"
go test -run '^$' -bench . -benchtime 1x -timeout 10m ./... >/dev/null
(cd bench && go test -run '^$' -bench . -benchtime 1x -timeout 10m ./... >/dev/null)

if [ -d examples/quickstart ]; then
	echo "== quickstart on its embedded Redis"
	go run ./examples/quickstart >/dev/null
fi
echo "ok"

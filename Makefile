# Convenience targets; scripts/ holds the real commands.
.PHONY: test fuzz bench generate check

test:
	bash scripts/test.sh

fuzz:
	bash scripts/fuzz.sh

bench:
	bash scripts/bench.sh

generate:
	go generate ./examples/...

check:
	go run ./cmd/cachegen -check ./examples/...

# The one gate before every push: formatting, vet, the race-detected tests.
.PHONY: check test bench run

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	go vet ./...
	go test -race -count=1 ./...

test:
	go test ./...

bench:
	go test -run '^$$' -bench . -benchtime 1x ./...

run:
	go run ./cmd/reportline serve --demo

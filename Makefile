# The one gate before every push: formatting, vet, staticcheck, the vulnerability
# check and the race-detected tests (the import-direction test among them).
# Go 1.27.3 fixes reachable standard-library vulnerabilities of 1.26.8; the go
# command fetches it through the module proxy when it is not installed.
export GOTOOLCHAIN = go1.27.3

.PHONY: check test bench run lint vuln

check: lint vuln
	go test -race -count=1 ./...

lint:
	@out=$$("$$(go env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go')); test -z "$$out" || (echo "gofmt would change: $$out"; exit 1)
	go vet ./...
	.ci/tool staticcheck ./...

vuln:
	.ci/tool govulncheck ./...

test:
	go test ./...

bench:
	go test -run '^$$' -bench . -benchtime 1x ./...

run:
	go run ./cmd/reportline serve --demo

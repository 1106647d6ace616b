# The one gate before every push: formatting, vet, staticcheck, the OpenAPI lint
# (Redocly CLI, installed from npm by .ci/tool), the vulnerability check and the race-detected tests (the import-direction test among them).
# Go 1.27.3 fixes reachable standard-library vulnerabilities of 1.26.8; the go
# command fetches it through the module proxy when it is not installed.
export GOTOOLCHAIN = go1.27.3

.PHONY: check test bench run lint openapi-lint vuln

check: lint openapi-lint vuln
	go test -race -count=1 ./...

lint:
	@out=$$("$$(go env GOROOT)/bin/gofmt" -l $$(git ls-files '*.go')); test -z "$$out" || (echo "gofmt would change: $$out"; exit 1)
	go vet ./...
	.ci/tool staticcheck ./...

# The document the binary serves, linted with the rules of redocly.yaml.
openapi-lint:
	@f=$$(mktemp --suffix=.json) && go run ./cmd/reportline openapi >$$f && .ci/tool redocly lint --config redocly.yaml $$f; rc=$$?; rm -f $$f; exit $$rc

vuln:
	.ci/tool govulncheck ./...

test:
	go test ./...

bench:
	go test -run '^$$' -bench . -benchtime 1x ./...

run:
	go run ./cmd/reportline serve --demo

#!/bin/sh
# Runs Microsoft's SCIM test suite (PostmanCollection.json, from
# github.com/AzureAD/SCIMReferenceCode at d445ef901981fef684a220fe8cf6c97b588600fd,
# MIT licence in LICENSE here) with newman against a live `reportline serve`
# on loopback, SQLite in a throwaway folder.
#
#   scim/testdata/ms-scim-validator/run.sh            # newman from npx
#   NEWMAN=/path/to/newman scim/testdata/ms-scim-validator/run.sh
#
# The collection's "Get Token" folder is not run: it asks the reference
# server's /Token endpoint; the token here comes from `reportline scim token
# create`. Known deviations are listed in README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
port=${PORT:-18089}
(cd "$root" && go build -o "$tmp/reportline" ./cmd/reportline)
export REPORTLINE_DATA="$tmp/data"
mkdir -p "$REPORTLINE_DATA"
token=$("$tmp/reportline" scim token create --name validator 2>/dev/null)
"$tmp/reportline" serve --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pid=$!
i=0
until curl -fs -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/scim/v2/ServiceProviderConfig"; do
	i=$((i + 1))
	if [ "$i" -gt 50 ]; then
		cat "$tmp/serve.log" >&2
		echo "reportline serve did not answer" >&2
		exit 1
	fi
	sleep 0.2
done
# The published collection sends the literal "${__UUID}" as every user's
# externalId (Microsoft's hosted validator substitutes it); give each request
# Postman's own {{$guid}} instead, as other servers' runs of it do.
sed 's/\${__UUID}/{{$guid}}/g' "$here/PostmanCollection.json" >"$tmp/collection.json"
${NEWMAN:-npx --yes newman@6} run "$tmp/collection.json" \
	--folder "Endpoint tests" --folder "User tests" --folder "Group tests" --folder "ComplexAttribute tests" \
	--folder "User tests with garbage" --folder "Group tests with garbage" --folder "Teardown garbage" \
	--env-var Protocol=http --env-var Server=127.0.0.1 --env-var "Port=:$port" --env-var Api=scim/v2 \
	--env-var "token=$token" "$@"

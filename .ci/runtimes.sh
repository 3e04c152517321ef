#!/usr/bin/env bash
# The runtime matrix (issue 12), called by .ci/run after `npm test` (which ran everything on
# the system Node, 20). Installs the other runtimes from the npm registry into a cache dir
# (.ci/runtimes/package.json, locked; never part of the workspace's `npm install`), then:
#   sdk:  the SDK's conformance checks (sdk/test/runtimes/) in Deno, Bun and workerd (through
#         Miniflare), against a partner server started on loopback (seconds);
#   node: the unit and integration suite (vitest) on Node 22 and 24, each in a copy of this
#         checkout whose better-sqlite3 is rebuilt for that Node's ABI (the build is cached).
# The e2e suite and the bench do not repeat per runtime.
#   bash .ci/runtimes.sh [sdk] [node]   (default both, in that order)
# MINICARD_CI_CACHE overrides the cache dir (default ~/.cache/minicard-ci).
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${MINICARD_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/minicard-ci}"
rt="$cache/runtimes"
steps="${*:-sdk node}"
elapsed() { echo "$(( $(date +%s) - $1 )) s"; }

# --- Install (once per change of .ci/runtimes/package-lock.json) ------------------------------
# Platform packages (x64 Linux, glibc), so no install script has to run or download anything.
stamp="$(cat .ci/runtimes/package.json .ci/runtimes/package-lock.json | sha256sum | cut -c1-16)"
if [ "$(cat "$rt/.stamp" 2>/dev/null || true)" != "$stamp" ]; then
  started=$(date +%s)
  rm -rf "$rt" && mkdir -p "$rt"
  cp .ci/runtimes/package.json .ci/runtimes/package-lock.json "$rt/"
  (cd "$rt" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$stamp" >"$rt/.stamp"
  echo "runtimes: installed into $rt in $(elapsed "$started")"
fi
bin="$rt/node_modules"
node22="$bin/node22/bin/node" node24="$bin/node24/bin/node"
deno="$bin/@deno/linux-x64-glibc/deno" bun="$bin/@oven/bun-linux-x64/bin/bun"
echo "runtimes: node $("$node22" -v) and $("$node24" -v), $("$deno" -v | head -1), bun $("$bun" -v), workerd $("$bin/@cloudflare/workerd-linux-64/bin/workerd" --version)"

# --- node: vitest on Node 22 and 24 ---------------------------------------------------------------
run_vitest_on() { # run_vitest_on <node package dir>
  local node_dir="$1" version dir addon started
  version="$("$node_dir/bin/node" -v)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/minicard-node-${version}-XXXX")"
  started=$(date +%s)
  # A copy with the installed node_modules and builds; the checkout's own files stay untouched.
  tar -C . --exclude=./.git --exclude=./test-results --exclude=./.minicard -cf - . | tar -C "$dir" -xf -
  addon="$cache/better-sqlite3/$(node -p 'require("./node_modules/better-sqlite3/package.json").version')-node-$version/better_sqlite3.node"
  if [ -f "$addon" ]; then
    cp "$addon" "$dir/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
  else
    # From source against that Node's headers (the package ships them): prebuilt binaries come
    # from GitHub, which CI may not reach.
    (cd "$dir" && PATH="$node_dir/bin:$PATH" npm_config_nodedir="$node_dir" npm_config_build_from_source=true npm_config_jobs=2 \
      npm rebuild better-sqlite3 --loglevel=error >/dev/null)
    mkdir -p "$(dirname "$addon")" && cp "$dir/node_modules/better-sqlite3/build/Release/better_sqlite3.node" "$addon"
  fi
  echo "runtimes: vitest on node $version"
  (cd "$dir" && PATH="$node_dir/bin:$PATH" node node_modules/vitest/vitest.mjs run --reporter=dot)
  rm -rf "$dir"
  echo "runtimes: vitest on node $version passed in $(elapsed "$started")"
}

# --- sdk: conformance in Deno, Bun and workerd ---------------------------------------------
run_sdk_conformance() {
  local started
  started=$(date +%s)
  # Miniflare needs Node >= 22: the runner runs on 24, the partner server on the system Node
  # (its better-sqlite3 was built for it).
  "$node24" sdk/test/runtimes/run.mjs --deno "$deno" --bun "$bun" --miniflare "$bin/miniflare" --server-node "$(command -v node)"
  echo "runtimes: sdk conformance passed in $(elapsed "$started")"
}

for step in $steps; do
  case "$step" in
    # One command each, not `a && b`: bash ignores `set -e` inside a function called on the
    # left of `&&`, so a failing suite on Node 22 used to be reported as passed.
    node)
      run_vitest_on "$bin/node22"
      run_vitest_on "$bin/node24"
      ;;
    sdk) run_sdk_conformance ;;
    *) echo "unknown step $step (node, sdk)" >&2 && exit 2 ;;
  esac
done

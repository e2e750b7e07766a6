#!/usr/bin/env bash
# What `npm pack` ships for Node under node_modules (which strips no types): the library, the CLI
# and what they import, compiled to dist/ with declarations. The repository itself runs the .ts.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
tsc -p tsconfig.build.json
# The puppet is sent into containers as TypeScript source text, read beside its compiled loader.
cp labkit/puppet/socket-puppet.ts dist/labkit/puppet/socket-puppet.ts
# The live page, bundled: the package serves it without its build tools.
bash scripts/build-web.sh

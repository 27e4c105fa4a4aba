#!/usr/bin/env bash
# Writes prisma/migrations/<timestamp>_<name>/migration.sql: the SQL from the last committed
# schema to the current prisma/schema.prisma. Prisma 7's `migrate diff` needs a schema engine
# that cannot be downloaded on every machine; Prisma 6.19's wasm engine computes the same diff
# offline (DESIGN.md §9), so it runs from a scratch folder and never becomes a dependency.
set -euo pipefail
name=${1:?usage: new-migration.sh <name>}
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
url='  url = "postgresql://postgres@127.0.0.1:5432/postgres"'
add_url() { sed -e "s#provider = \"postgresql\"#provider = \"postgresql\"\n$url#"; }
add_url < "$root/prisma/schema.prisma" > "$work/to.prisma"
if git -C "$root" cat-file -e HEAD:prisma/schema.prisma 2>/dev/null; then
  git -C "$root" show HEAD:prisma/schema.prisma | add_url > "$work/from.prisma"
  from=(--from-schema-datamodel "$work/from.prisma")
else
  from=(--from-empty)
fi
cat > "$work/prisma.config.ts" <<'TS'
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  async adapter() { return new PrismaPg({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' }); },
} as never);
TS
(cd "$work" && npm init -y >/dev/null && npm install -s prisma@6.19 @prisma/adapter-pg@6.19 >/dev/null)
dir="$root/prisma/migrations/$(date -u +%Y%m%d%H%M%S)_$name"
mkdir -p "$dir"
(cd "$work" && PRISMA_QUERY_ENGINE_LIBRARY=/bin/true npx prisma migrate diff "${from[@]}" --to-schema-datamodel to.prisma --script) > "$dir/migration.sql"
echo "wrote $dir/migration.sql"

#!/usr/bin/env bash
# `bash scripts/restore-memory.sh [ROWS] [CHECKOUT]`: peak memory of a `restore-cards` dry run over ROWS written
# leads (default 100000), each audit row carrying a `result` of about 7.6 KB as real ones do (finding L10 of
# the 2026-12 review: 100k rows took 1.4 GB). Seeds a PostgreSQL database of its own (TEST_DATABASE_URL's
# server, default postgres://postgres@127.0.0.1:5432), runs the dry run of CHECKOUT (default: this one; give
# an older checkout's folder to compare) under /usr/bin/time, prints its peak RSS, and drops the database.
# Needs psql and /usr/bin/time. Not part of CI: it writes about 1 GB into PostgreSQL for 100k rows.
set -euo pipefail
rows=${1:-100000}
checkout=$(cd "${2:-$(dirname "$0")/..}" && pwd)
base=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
server=${base%/*}
db="verrijk_restore_memory_$$"
psql -q "$server/postgres" -c "create database $db" >/dev/null
trap 'psql -q "$server/postgres" -c "drop database if exists $db" >/dev/null' EXIT
url="$server/$db"
(cd "$checkout" && DATABASE_URL=$url npx tsx scripts/migrate.ts >/dev/null)
psql -q "$url" >/dev/null <<SQL
insert into enrichments (lead_key, source, object_type, object_id, job_id, version, result, properties, previous_properties, write_status)
select 'generic:default:lead:s' || g, 'generic', 'lead', 's' || g, null, 'v',
       jsonb_build_object('status', 'resolved', 'pad', repeat('x', 7600)),
       jsonb_build_object('cbs_sbi_code', '62.01', 'cbs_sector', 'J Informatie en communicatie'),
       jsonb_build_object('cbs_sbi_code', null, 'cbs_sector', 'ICT', 'cbs_period', null),
       'written'
from generate_series(1, $rows) g;
SQL
echo "seeded $rows written rows ($(psql -Atq "$url" -c "select pg_size_pretty(pg_total_relation_size('enrichments'))"))"
cd "$checkout"
/usr/bin/time -f "restore-cards dry run ($checkout): %e s, peak RSS %M KB, exit %x" \
  env DATABASE_URL="$url" npx tsx scripts/restore-cards.ts --since 2000-01-01T00:00:00Z --source generic 2>&1 >/dev/null | tail -1

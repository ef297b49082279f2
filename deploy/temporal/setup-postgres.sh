#!/bin/sh
# Creates Temporal's two PostgreSQL databases and their schemas (idempotent: create fails harmlessly when present).
set -eu
until nc -z postgresql 5432; do echo 'waiting for PostgreSQL'; sleep 1; done
tool="temporal-sql-tool --plugin postgres12 --ep postgresql -u temporal -p 5432"
for db in temporal temporal_visibility; do
  $tool --db "$db" create || true
done
$tool --db temporal setup-schema -v 0.0 || true
$tool --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
$tool --db temporal_visibility setup-schema -v 0.0 || true
$tool --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo 'PostgreSQL schema ready'

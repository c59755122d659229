#!/bin/bash
set -euo pipefail
# Wait for the database, then make sure the tenant exists.
HOST=${PGHOST:-postgres}
PORT=${PGPORT:-5432}
DB=${POSTGRES_DB:-app}
TENANT=${TENANT:-default}
ATTEMPTS=0
until pg_isready -h "$HOST" -p "$PORT" -d "$DB"; do
  ATTEMPTS=$((ATTEMPTS + 1))
  if [ "$ATTEMPTS" -gt 30 ]; then
    echo "database not ready after $ATTEMPTS attempts" >&2
    exit 1
  fi
  echo "waiting for $HOST:$PORT ($ATTEMPTS)"
  sleep 2
done
log() {
  echo "[$(date -u +%FT%TZ)] $*"
}
log "checking schema version"
VERSION=$(psql -h "$HOST" -d "$DB" -tAc "SELECT max(version) FROM schema_migrations")
log "schema version: $VERSION"
COUNT=$(psql -h "$HOST" -d "$DB" -tAc "SELECT count(*) FROM tenants WHERE name = '$TENANT'")
if [ "$COUNT" = "0" ]; then
  log "creating tenant $TENANT"
  psql -v ON_ERROR_STOP=1 -h "$HOST" -d "$DB" <<-EOSQL
	INSERT INTO tenants (name, plan, created_at)
	VALUES ('$TENANT', 'standard', now())
	ON CONFLICT (name) DO NOTHING;
EOSQL
else
  log "tenant $TENANT exists"
fi
for table in tenants users invoices; do
  psql -h "$HOST" -d "$DB" -c "SELECT count(*) FROM $table" > /dev/null
done
log "done, schema version $VERSION"
echo "tenant: $TENANT"
exit 0

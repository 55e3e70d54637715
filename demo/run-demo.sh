#!/usr/bin/env bash
# demo/run-demo.sh — the embedded demo behind `make demo`.
#
# Starts a private PostgreSQL 15 cluster under .demo/ (Unix socket only, as
# the postgres user when run as root), generates the demo source database
# (demo/source.sql: a fictional clinic + helpdesk), runs privaci into a
# target database on the same cluster, and prints a summary plus the psql
# line to look at the result. Re-running starts clean.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$repo/.demo
bin=$repo/build/privaci
pgbin=/usr/lib/postgresql/15/bin
port=${PRIVACI_DEMO_PORT:-55432}
sock=$work/sock
data=$work/data

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

mkdir -p "$work" "$sock"
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$work" "$sock"
fi

if [ ! -s "$data/PG_VERSION" ]; then
    echo "== creating a private PostgreSQL cluster in .demo/data"
    as_pg "$pgbin/initdb" -D "$data" -A trust -U postgres --no-instructions >"$work/initdb.log"
fi
if ! as_pg "$pgbin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_pg "$pgbin/pg_ctl" -D "$data" -w -l "$work/postgres.log" \
        -o "-k $sock -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null
fi

psql_demo() {
    psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres "$@"
}

echo "== generating the demo source database privaci_source (about 200,000 rows)"
psql_demo -d postgres -c "DROP DATABASE IF EXISTS privaci_source" -c "DROP DATABASE IF EXISTS privaci_target" \
    -c "CREATE DATABASE privaci_source" -c "CREATE DATABASE privaci_target"
psql_demo -d privaci_source -f "$repo/demo/source.sql" >/dev/null

# The demo's salt: generated once into .demo/salt and kept, so that
# re-running the demo masks every value exactly as before (same salt, same
# output); kept out of the command line. `rm -rf .demo` starts afresh.
if [ ! -s "$work/salt" ]; then
    (umask 077 && "$bin" gen-salt >"$work/salt")
fi
PRIVACI_DEMO_SALT=$(cat "$work/salt")
export PRIVACI_DEMO_SALT

echo "== privaci run (events: .demo/events.jsonl)"
set +e
"$bin" run --config "$repo/demo/mask-rules.yaml" --no-progress \
    --source "host=$sock port=$port user=postgres dbname=privaci_source" \
    --target "host=$sock port=$port user=postgres dbname=privaci_target" \
    >"$work/events.jsonl"
status=$?
set -e
if [ "$status" -ne 0 ]; then
    echo "privaci run failed with exit code $status (events in .demo/events.jsonl)" >&2
    exit "$status"
fi

echo
echo "== summary"
psql_demo -d privaci_target -c "
SELECT n.nspname AS schema, count(*) AS tables, sum(s.n_live_tup)::bigint AS rows
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind = 'r' AND n.nspname <> '_privaci'
GROUP BY 1 ORDER BY 1"
psql_demo -d privaci_target -c "
SELECT status, summary->>'rows_processed' AS rows, ended_at - started_at AS duration
FROM _privaci.runs ORDER BY started_at DESC LIMIT 1"
psql_demo -d privaci_target -c "
SELECT payload->>'action' AS action, coalesce(payload->>'provider', '') AS provider,
       count(*) AS columns, sum((payload->>'rows_affected')::bigint) AS cells_masked
FROM _privaci.audit_log
WHERE event_type = 'column.masked' AND column_name IS NOT NULL
  AND run_id = (SELECT run_id FROM _privaci.runs ORDER BY started_at DESC LIMIT 1)
GROUP BY 1, 2 ORDER BY 1, 2"
psql_demo -d privaci_target -c "
SELECT p.first_name, p.last_name, p.email, p.phone, p.dob, left(a.notes, 60) AS notes
FROM clinic.patients p JOIN clinic.appointments a ON a.patient_id = p.id
WHERE a.notes IS NOT NULL ORDER BY p.id LIMIT 3"
echo "$(grep -c . "$work/events.jsonl") JSON-lines events; the last one:"
tail -n 1 "$work/events.jsonl"
echo
echo "Look at the result:"
echo "  psql -h $sock -p $port -U postgres privaci_target"
echo "Stop the demo cluster:"
echo "  $([ "$(id -u)" -eq 0 ] && echo 'runuser -u postgres -- ')$pgbin/pg_ctl -D $data stop"

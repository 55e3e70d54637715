#!/usr/bin/env bash
# privaci benchmark: privaci (passthrough) vs the raw binary COPY pipe, vs
# pgcopydb on the demo database, and privaci's peak RSS on 1M vs 10M rows.
#
#   bench/run.sh                 # full run (~10 min on 2 cores)
#   BENCH_SCALE=0.1 bench/run.sh # quick mode: every generated table × 0.1
#
# Environment:
#   BENCH_SCALE  multiplies the generated row counts (default 1)
#   BENCH_RUNS   repetitions per measurement, the median is reported (default 3)
#   BENCH_ONLY   comma list of sections to run: pipe,demo,rss (default all)
#   BENCH_PORT   port number naming the cluster's Unix socket (default 54329)
#   BENCH_KEEP   1 = leave the cluster running at the end (default: stop it)
#   BENCH_PERF   1 = also record a `perf record -g` profile of one privaci
#                run on the users table (bench/.work/perf/)
#   PRIVACI      the binary (default build/privaci, built with `make` if missing)
#
# Everything lives under bench/.work/ (gitignored): the cluster, logs, raw
# per-run figures (results.tsv) and the Markdown summary (results.md).
# Idempotent: the cluster and the generated databases are reused when their
# scale and generator are unchanged; every target is recreated per run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
WORK="$BENCH_DIR/.work"
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}
ONLY=${BENCH_ONLY:-pipe,demo,rss}
PORT=${BENCH_PORT:-54329}
PRIVACI=${PRIVACI:-$REPO/build/privaci}
PGBIN=/usr/lib/postgresql/15/bin
PGDATA="$WORK/pgdata"
SOCK="$WORK/sock"
RESULTS="$WORK/results.tsv"
SUMMARY="$WORK/results.md"
LOGS="$WORK/logs"

export ANONYMIZATION_SALT=${ANONYMIZATION_SALT:-benchmark-salt-0123456789abcdef0123456789abcdef}
export PGHOST="$SOCK" PGPORT="$PORT" PGUSER=postgres
unset PGDATABASE PGPASSWORD PGSERVICE SOURCE_DB_URL TARGET_DB_URL PRIVACI_CONFIG PRIVACI_JOBS

say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }

# ------------------------------------------------------------------ tools

install_missing() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    say "installing: ${missing[*]}"
    local sudo=""
    [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

setup_tools() {
    install_missing postgresql-15 postgresql-client-15 pgcopydb time python3
    if [[ ! -x $PRIVACI ]]; then
        say "building privaci"
        make -C "$REPO" build
    fi
    [[ -x $PRIVACI ]] || die "no privaci binary at $PRIVACI"
}

# ------------------------------------------------------------------ cluster

# PostgreSQL refuses to run as root: the cluster belongs to `postgres` then.
as_pg() {
    if [[ $(id -u) == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# One cluster holds every source and target database. The machine has two
# cores: a second postmaster would add a second shared_buffers, WAL writer and
# checkpointer but no CPU, and both tools (and the raw pipe) see the same
# server either way. Source reads come from shared_buffers/page cache.
start_cluster() {
    mkdir -p "$WORK" "$SOCK" "$LOGS"
    [[ $(id -u) == 0 ]] && chown postgres: "$WORK" "$SOCK" "$LOGS"
    if [[ ! -s $PGDATA/PG_VERSION ]]; then
        say "initdb $PGDATA"
        rm -rf "$PGDATA"
        as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
            --no-instructions >"$LOGS/initdb.log"
    fi
    # Tuned for bulk loading; nothing here needs to survive a crash.
    cat >"$WORK/bench.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$SOCK'
port = $PORT
max_connections = 50
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
archive_mode = off
shared_buffers = '512MB'
maintenance_work_mem = '512MB'
work_mem = '64MB'
checkpoint_timeout = '1h'
max_wal_size = '8GB'
min_wal_size = '1GB'
wal_buffers = '64MB'
autovacuum = off
max_parallel_workers_per_gather = 0
max_parallel_maintenance_workers = 0
jit = off
timezone = 'UTC'
logging_collector = off
log_min_messages = warning
lc_messages = 'C'
EOF
    [[ $(id -u) == 0 ]] && chown postgres: "$WORK/bench.conf"
    grep -q "^include_if_exists = '$WORK/bench.conf'" "$PGDATA/postgresql.conf" ||
        echo "include_if_exists = '$WORK/bench.conf'" >>"$PGDATA/postgresql.conf"
    if as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 120 -l "$LOGS/postgres.log" restart >/dev/null
    else
        as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 120 -l "$LOGS/postgres.log" start >/dev/null
    fi
    [[ ${BENCH_KEEP:-0} == 1 ]] || trap stop_cluster EXIT
}

stop_cluster() {
    as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -w -t 120 stop -m fast >/dev/null 2>&1 || true
}

psqlq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
sqlv() { psql -X -qAt -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
url() { echo "postgresql:///$1?host=$SOCK&port=$PORT&user=postgres"; }

recreate_db() {
    psqlq -d postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
}

# A database built by a generator is reused while its stamp (generator
# checksum + parameters) matches; otherwise rebuilt.
ensure_db() { # name stamp command...
    local db=$1 stamp=$2
    shift 2
    local have
    have=$(sqlv postgres "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$db'" 2>/dev/null || true)
    if [[ $have == "$stamp" ]]; then
        echo "reusing database $db" >&2
        return 0
    fi
    say "generating database $db"
    recreate_db "$db"
    local t0
    t0=$(now)
    "$@"
    sqlv "$db" "VACUUM (FREEZE, ANALYZE)" >/dev/null
    sqlv postgres "COMMENT ON DATABASE \"$db\" IS '$stamp'" >/dev/null
    echo "  generated in $(elapsed "$t0") s" >&2
}

# ------------------------------------------------------------------ timing

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$(now)"; }

record() { # section label run key value
    printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
}

# Settle the server before a timed run so no checkpoint lands inside it.
settle() {
    sqlv postgres "CHECKPOINT" >/dev/null
    sync
}

# Warm the source table into shared_buffers / the page cache.
warm() { # db table
    psql -X -qAt -d "$1" -c "COPY (SELECT * FROM $2) TO STDOUT (FORMAT binary)" >/dev/null
}

# The JSON field `key` of the first event `ev` (for table.end also the table).
event_field() { # file event key [table]
    python3 - "$@" <<'EOF'
import json, sys
path, event, key = sys.argv[1:4]
table = sys.argv[4] if len(sys.argv) > 4 else None
for line in open(path):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event") == event and (table is None or e.get("table_name") == table):
        print(e.get(key))
        break
EOF
}

write_config() { # path exclude-table...
    local path=$1
    shift
    {
        echo 'version: "1.0"'
        echo 'auto_detect: false'
        echo 'replicate_all_indexes: true'
        if (($# > 0)); then
            echo 'tables:'
            local t
            for t in "$@"; do
                echo "  $t: { strategy: exclude }"
            done
        fi
    } >"$path"
}

# privaci run; sets LAST_WALL / LAST_DATA_MS / LAST_RSS_KB. Fails loudly.
privaci_run() { # config src dst log-prefix table [extra args...]
    local config=$1 src=$2 dst=$3 prefix=$4 table=$5
    shift 5
    local t0 rc=0
    t0=$(now)
    /usr/bin/time -v -o "$prefix.time" "$PRIVACI" run --config "$config" \
        --source "$(url "$src")" --target "$(url "$dst")" --no-progress "$@" \
        >"$prefix.jsonl" 2>"$prefix.stderr" || rc=$?
    LAST_WALL=$(elapsed "$t0")
    ((rc == 0)) || die "privaci run failed (exit $rc); see $prefix.stderr and $prefix.jsonl"
    LAST_RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$prefix.time")
    LAST_DATA_MS=""
    [[ -n $table ]] && LAST_DATA_MS=$(event_field "$prefix.jsonl" table.end duration_ms "$table")
    return 0
}

# ------------------------------------------------------------------ 1. pipe

users_rows() { python3 -c "print(max(1000, round($1 * $SCALE)))"; }

section_pipe() {
    local nu nn nw
    nu=$(users_rows 2000000)
    nn=$(users_rows 300000)
    nw=$(users_rows 500000)
    ensure_db bench_src "v1 $(md5sum <"$BENCH_DIR/dataset.sql" | cut -c1-12) $nu $nn $nw" \
        psqlq -d bench_src -v users_rows="$nu" -v notes_rows="$nn" -v wide_rows="$nw" \
        -f "$BENCH_DIR/dataset.sql"

    local table others ddl i
    for table in users notes wide; do
        say "1. $table: privaci vs raw COPY pipe, $RUNS runs each"
        others=()
        for i in users notes wide; do [[ $i == "$table" ]] || others+=("public.$i"); done
        write_config "$WORK/only_$table.yaml" "${others[@]}"
        local rows
        rows=$(sqlv bench_src "SELECT count(*) FROM $table")
        record pipe "$table" 0 rows "$rows"
        record pipe "$table" 0 bytes "$(sqlv bench_src "SELECT pg_table_size('$table')")"
        # The pipe's target: the same DDL, no PK, no index (privaci also
        # loads first and builds its PK afterwards).
        ddl=$(pg_dump -d bench_src -t "public.$table" --schema-only --no-owner --no-acl |
            sed -n '/^CREATE TABLE/,/^);/p')
        warm bench_src "$table"
        for ((i = 1; i <= RUNS; i++)); do
            # privaci: a fresh target database per run.
            recreate_db bench_dst
            settle
            privaci_run "$WORK/only_$table.yaml" bench_src bench_dst "$LOGS/pipe_${table}_privaci_$i" "$table" --jobs 1
            record pipe "$table" "$i" privaci_wall "$LAST_WALL"
            record pipe "$table" "$i" privaci_data "$(python3 -c "print($LAST_DATA_MS / 1000)")"
            record pipe "$table" "$i" privaci_rss_kb "$LAST_RSS_KB"
            local got
            got=$(sqlv bench_dst "SELECT count(*) FROM $table")
            [[ $got == "$rows" ]] || die "privaci copied $got of $rows rows of $table"
            echo "  run $i: privaci wall ${LAST_WALL}s, data ${LAST_DATA_MS}ms" >&2

            # raw pipe: a fresh empty table per run.
            recreate_db bench_pipe
            psqlq -d bench_pipe -c "$ddl"
            settle
            local t0
            t0=$(now)
            psql -X -q -d bench_src -c "COPY $table TO STDOUT (FORMAT binary)" |
                psql -X -q -v ON_ERROR_STOP=1 -d bench_pipe -c "COPY $table FROM STDIN (FORMAT binary)"
            local w
            w=$(elapsed "$t0")
            record pipe "$table" "$i" pipe_wall "$w"
            got=$(sqlv bench_pipe "SELECT count(*) FROM $table")
            [[ $got == "$rows" ]] || die "the pipe copied $got of $rows rows of $table"
            echo "  run $i: raw pipe ${w}s" >&2
        done
        # Same rows on both sides (order-independent checksum).
        local a b
        a=$(sqlv bench_dst "SELECT md5(string_agg(md5(t::text), '' ORDER BY id)) FROM $table t")
        b=$(sqlv bench_src "SELECT md5(string_agg(md5(t::text), '' ORDER BY id)) FROM $table t")
        [[ $a == "$b" ]] || die "privaci's copy of $table differs from the source"
    done

    if [[ ${BENCH_PERF:-0} == 1 ]]; then
        say "perf record -g of privaci on users"
        install_missing linux-perf
        mkdir -p "$WORK/perf"
        recreate_db bench_dst
        settle
        perf record -g -F 999 -o "$WORK/perf/privaci.data" -- "$PRIVACI" run \
            --config "$WORK/only_users.yaml" --source "$(url bench_src)" --target "$(url bench_dst)" \
            --no-progress --jobs 1 >"$WORK/perf/run.jsonl" 2>"$WORK/perf/perf.log"
        perf report -i "$WORK/perf/privaci.data" --no-children --sort dso,symbol --stdio \
            2>/dev/null | head -80 >"$WORK/perf/top.txt"
        echo "  profile: $WORK/perf/top.txt" >&2
    fi
}

# ------------------------------------------------------------------ 2. demo

section_demo() {
    ensure_db demo_src "v1 $(md5sum <"$REPO/demo/source.sql" | cut -c1-12)" \
        psqlq -d demo_src -f "$REPO/demo/source.sql"
    write_config "$WORK/demo.yaml"
    local rows
    rows=$(sqlv demo_src "SELECT sum(n_live_tup) FROM pg_stat_user_tables")
    record demo all 0 rows "$rows"
    say "2. demo database ($rows rows): privaci vs pgcopydb clone, $RUNS runs each"
    local i t0 w
    for ((i = 1; i <= RUNS; i++)); do
        recreate_db demo_privaci
        settle
        privaci_run "$WORK/demo.yaml" demo_src demo_privaci "$LOGS/demo_privaci_$i" "" --jobs 2
        record demo all "$i" privaci_wall "$LAST_WALL"
        echo "  run $i: privaci ${LAST_WALL}s" >&2

        recreate_db demo_pgcopydb
        rm -rf "$WORK/pgcopydb"
        settle
        t0=$(now)
        pgcopydb clone --source "$(url demo_src)" --target "$(url demo_pgcopydb)" \
            --dir "$WORK/pgcopydb" --table-jobs 2 --index-jobs 2 --no-owner --no-acl \
            >"$LOGS/demo_pgcopydb_$i.log" 2>&1 || die "pgcopydb failed; see $LOGS/demo_pgcopydb_$i.log"
        w=$(elapsed "$t0")
        record demo all "$i" pgcopydb_wall "$w"
        echo "  run $i: pgcopydb ${w}s" >&2
    done
    # What each copied: row counts per table must agree with the source.
    python3 - "$WORK/demo_compare.txt" <<EOF
import subprocess, sys
def counts(db):
    q = ("SELECT n.nspname||'.'||c.relname, (xpath('/row/c/text()', query_to_xml("
         "format('SELECT count(*) AS c FROM ONLY %I.%I', n.nspname, c.relname), false, true, '')))[1]::text "
         "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
         "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog','information_schema','_privaci','pgcopydb') "
         "ORDER BY 1")
    out = subprocess.run(["psql", "-X", "-qAt", "-F", "\t", "-d", db, "-c", q], capture_output=True, text=True, check=True).stdout
    return dict(l.split("\t") for l in out.splitlines() if l)
def objs(db):
    q = ("SELECT c.relkind, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
         "WHERE n.nspname NOT IN ('pg_catalog','information_schema','pg_toast','_privaci','pgcopydb') GROUP BY 1 ORDER BY 1")
    out = subprocess.run(["psql", "-X", "-qAt", "-F", "=", "-d", db, "-c", q], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())
src, p, g = counts("demo_src"), counts("demo_privaci"), counts("demo_pgcopydb")
bad = [t for t in src if src[t] != p.get(t) or src[t] != g.get(t)]
with open(sys.argv[1], "w") as f:
    for db in ("demo_src", "demo_privaci", "demo_pgcopydb"):
        f.write(f"{db}: relkinds {objs(db)}\n")
    f.write(f"tables {len(src)}; row-count mismatches: {bad or 'none'}\n")
print(open(sys.argv[1]).read(), file=sys.stderr)
EOF
}

# ------------------------------------------------------------------ 3. rss

section_rss() {
    local small big
    small=$(users_rows 1000000)
    big=$(users_rows 10000000)
    local sum
    sum=$(md5sum <"$BENCH_DIR/dataset.sql" | cut -c1-12)
    ensure_db rss_small "v1 $sum $small" \
        psqlq -d rss_small -v users_rows="$small" -v notes_rows=0 -v wide_rows=0 -f "$BENCH_DIR/dataset.sql"
    ensure_db rss_big "v1 $sum $big" \
        psqlq -d rss_big -v users_rows="$big" -v notes_rows=0 -v wide_rows=0 -f "$BENCH_DIR/dataset.sql"
    write_config "$WORK/rss.yaml"
    record rss small 0 rows "$small"
    record rss big 0 rows "$big"
    local i db label
    for db in rss_small rss_big; do
        label=${db#rss_}
        say "3. peak RSS, users with $(sqlv "$db" "SELECT count(*) FROM users") rows, $RUNS runs"
        warm "$db" users
        for ((i = 1; i <= RUNS; i++)); do
            recreate_db rss_dst
            settle
            privaci_run "$WORK/rss.yaml" "$db" rss_dst "$LOGS/rss_${label}_$i" users --jobs 1
            record rss "$label" "$i" privaci_rss_kb "$LAST_RSS_KB"
            record rss "$label" "$i" privaci_wall "$LAST_WALL"
            record rss "$label" "$i" privaci_data "$(python3 -c "print($LAST_DATA_MS / 1000)")"
            echo "  run $i: peak RSS ${LAST_RSS_KB} KiB, wall ${LAST_WALL}s" >&2
        done
    done
}

# ------------------------------------------------------------------ main

main() {
    setup_tools
    start_cluster
    : >"$RESULTS"
    {
        echo "# machine"
        echo "nproc: $(nproc)"
        echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
        echo "cpu: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')"
        echo "postgres: $("$PGBIN/postgres" --version)"
        echo "pgcopydb: $(pgcopydb --version 2>/dev/null | head -1)"
        echo "privaci: $("$PRIVACI" --version) ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
        echo "scale: $SCALE, runs: $RUNS"
    } >"$WORK/machine.txt"
    cat "$WORK/machine.txt" >&2
    local t0
    t0=$(now)
    want pipe && section_pipe
    want demo && section_demo
    want rss && section_rss
    python3 "$BENCH_DIR/report.py" "$RESULTS" "$WORK/machine.txt" >"$SUMMARY"
    echo >&2
    cat "$SUMMARY"
    echo "total bench time: $(elapsed "$t0") s" >&2
}

main "$@"

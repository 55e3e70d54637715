#!/usr/bin/env bash
# privaci benchmark: privaci (passthrough, and masking five PII columns of
# users) vs the raw binary COPY pipe, vs pgcopydb on the demo database,
# privaci's peak RSS on 1M vs 10M rows, and the masker's cost per action.
#
#   bench/run.sh                 # full run (~6.5 min on 2 cores, +1 min the first time)
#   BENCH_SCALE=0.1 bench/run.sh # quick mode: every generated table × 0.1
#
# Environment:
#   BENCH_SCALE  multiplies the generated row counts (default 1)
#   BENCH_RUNS   repetitions per measurement, the median is reported (default 3)
#   BENCH_ONLY   comma list of sections to run: pipe,demo,rss,mask (default all)
#   BENCH_PORT   port number naming the cluster's Unix socket (default 54329)
#   BENCH_KEEP   1 = leave the cluster running at the end (default: stop it)
#   BENCH_PERF   1 = also profile one privaci run on the users table with
#                `perf record -a -g` (whole machine; bench/.work/perf/top.txt)
#   PRIVACI      the binary (default build/privaci, built with `make` if missing)
#   MASK_COST    the per-action micro-benchmark (default: bench/mask_cost in
#                PRIVACI's build directory, built with `make` if missing)
#
# Everything lives under bench/.work/ (gitignored): the cluster, logs, raw
# per-run figures (results.tsv) and the Markdown summary (results.md) that
# bench/README.md's results tables are copied from. See bench/README.md.
# Idempotent: the cluster and the generated databases are reused when their
# scale and generator are unchanged; every target is recreated per run.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/.." && pwd)
WORK="$BENCH_DIR/.work"
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}
ONLY=${BENCH_ONLY:-pipe,demo,rss,mask}
PORT=${BENCH_PORT:-54329}
PRIVACI=${PRIVACI:-$REPO/build/privaci}
MASK_COST=${MASK_COST:-$(dirname "$PRIVACI")/bench/mask_cost}
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
    # Benchmark a private copy: a rebuild of the tree mid-run cannot swap it.
    mkdir -p "$WORK"
    cp "$PRIVACI" "$WORK/privaci.tmp" && mv "$WORK/privaci.tmp" "$WORK/privaci"
    PRIVACI="$WORK/privaci"
    if want mask; then
        if [[ ! -x $MASK_COST ]]; then
            say "building mask_cost"
            make -C "$REPO" build
        fi
        [[ -x $MASK_COST ]] || die "no mask_cost binary at $MASK_COST"
        cp "$MASK_COST" "$WORK/mask_cost.tmp" && mv "$WORK/mask_cost.tmp" "$WORK/mask_cost"
        MASK_COST="$WORK/mask_cost"
    fi
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
    PGOPTIONS="-c client_min_messages=warning" psqlq -d postgres -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" -c "CREATE DATABASE \"$1\""
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
calc() { python3 -c "print(round($1, 4))"; }

record() { # section label run key value
    printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS"
}

# Settle the server before a timed run so no checkpoint lands inside it.
settle() {
    sqlv postgres "CHECKPOINT" >/dev/null
    sync
}

# Warm a source table into shared_buffers / the page cache.
warm() { # db table
    psql -X -qAt -d "$1" -c "COPY $2 TO STDOUT (FORMAT binary)" >/dev/null
}

# Waits until no client backend is left, so their CPU has been reaped.
backends_gone() {
    local pm i
    pm=$(head -1 "$PGDATA/postmaster.pid")
    for ((i = 0; i < 200; i++)); do
        pgrep -P "$pm" -f '\[local\]' >/dev/null || return 0
        sleep 0.05
    done
}

cpu_now() { echo "$(python3 "$BENCH_DIR/benchlib.py" cpu "$PGDATA/postmaster.pid") $(now)"; }

# Runs a command under GNU time, stdout/stderr to $prefix.out/.err. Sets
#   T_WALL     wall seconds
#   T_CCPU     client CPU seconds (user+sys, its waited-for children included)
#   T_SCPU     server CPU seconds (every backend and auxiliary process)
#   T_FOREIGN  cores other processes on the machine used meanwhile
#   T_RSS      client peak RSS, KiB
# and returns the command's exit code.
timed() { # prefix cmd...
    local prefix=$1
    shift
    local c0 c1 t0 rc=0
    c0=$(cpu_now)
    t0=$(now)
    /usr/bin/time -v -o "$prefix.time" "$@" >"$prefix.out" 2>"$prefix.err" || rc=$?
    T_WALL=$(elapsed "$t0")
    backends_gone
    c1=$(cpu_now)
    read -r T_CCPU T_RSS < <(python3 "$BENCH_DIR/benchlib.py" rusage "$prefix.time")
    read -r T_SCPU T_FOREIGN < <(python3 - $c0 $c1 "$T_CCPU" <<'EOF'
import sys
s0, m0, t0, s1, m1, t1, client = map(float, sys.argv[1:])
server = s1 - s0
foreign = max(0.0, (m1 - m0) - server - client) / max(t1 - t0, 1e-9)
print(f"{server:.2f} {foreign:.2f}")
EOF
)
    return $rc
}

record_timed() { # section label run tool
    record "$1" "$2" "$3" "${4}_wall" "$T_WALL"
    record "$1" "$2" "$3" "${4}_scpu" "$T_SCPU"
    record "$1" "$2" "$3" "${4}_ccpu" "$T_CCPU"
    record "$1" "$2" "$3" "${4}_foreign" "$T_FOREIGN"
    record "$1" "$2" "$3" "${4}_rss" "$T_RSS"
}

write_config() { # path batch_size exclude-table...
    local path=$1 batch=$2
    shift 2
    {
        echo 'version: "1.0"'
        echo 'auto_detect: false'
        echo 'replicate_all_indexes: true'
        [[ -n $batch ]] && echo "batch_size: $batch"
        if (($# > 0)); then
            echo 'tables:'
            local t
            for t in "$@"; do
                echo "  $t: { strategy: exclude }"
            done
        fi
    } >"$path"
}

# The users table with its five PII columns masked by `fake` (issue 7's
# masked run); the other tables excluded.
write_masked_config() { # path exclude-table...
    local path=$1
    shift
    {
        echo 'version: "1.0"'
        echo 'auto_detect: false'
        echo 'replicate_all_indexes: true'
        echo 'tables:'
        local t
        for t in "$@"; do
            echo "  $t: { strategy: exclude }"
        done
        echo '  public.users:'
        echo '    columns:'
        echo '      email: { action: fake, provider: email }'
        echo '      first_name: { action: fake, provider: first_name }'
        echo '      last_name: { action: fake, provider: last_name }'
        echo '      phone: { action: fake, provider: phone }'
        echo '      dob: { action: fake, provider: dob }'
    } >"$path"
}

# The masked copy holds as many rows as the source, the same NULLs in the
# masked nullable columns (NULL stays NULL), and masked values: the first
# 1,000 rows' PII differs from the source's.
masked_rows_ok() { # src dst
    local q="SELECT count(*) || ' ' || count(phone) || ' ' || count(dob) FROM users"
    local pii="SELECT md5(string_agg(concat_ws(',', email, first_name, last_name, phone, dob), ';' ORDER BY id))
        FROM (SELECT * FROM users ORDER BY id LIMIT 1000) s"
    [[ $(sqlv "$1" "$q") == "$(sqlv "$2" "$q")" ]] || die "$2.users: row or NULL counts differ from $1.users"
    [[ $(sqlv "$1" "$pii") != "$(sqlv "$2" "$pii")" ]] || die "$2.users: the PII columns were not masked"
}

# One `privaci run` into a fresh target database; records its figures.
privaci_once() { # section label run tool config src dst table jobs
    local section=$1 label=$2 run=$3 tool=$4 config=$5 src=$6 dst=$7 table=$8 jobs=$9
    local prefix="$LOGS/${section}_${label}_${tool}_$run"
    recreate_db "$dst"
    settle
    # Server CPU is sampled every 50 ms so the data phase (table.start ..
    # table.end) can be told apart from DDL and the PK build.
    rm -f "$prefix.stop"
    python3 "$BENCH_DIR/benchlib.py" monitor "$PGDATA/postmaster.pid" "$prefix.cpu" "$prefix.stop" &
    local mon=$! rc=0
    timed "$prefix" "$PRIVACI" run --config "$config" --source "$(url "$src")" \
        --target "$(url "$dst")" --no-progress --jobs "$jobs" || rc=$?
    touch "$prefix.stop"
    wait "$mon" || true
    ((rc == 0)) || die "privaci run failed; see $prefix.err and $prefix.out"
    record_timed "$section" "$label" "$run" "$tool"
    local msg="  run $run: $tool wall ${T_WALL}s"
    if [[ -n $table ]]; then
        local ms dcpu _load
        ms=$(python3 "$BENCH_DIR/benchlib.py" event "$prefix.out" table.end duration_ms "$table")
        [[ -n $ms ]] || die "no table.end event for $table in $prefix.out"
        T_DATA=$(calc "$ms / 1000")
        record "$section" "$label" "$run" "${tool}_data" "$T_DATA"
        read -r dcpu _load < <(python3 "$BENCH_DIR/benchlib.py" phase "$prefix.out" "$prefix.cpu" "$table")
        if [[ -n $dcpu ]]; then
            record "$section" "$label" "$run" "${tool}_dscpu" "$dcpu"
            msg+=", data ${T_DATA}s (server cpu ${dcpu}s)"
        else
            msg+=", data ${T_DATA}s"
        fi
    fi
    echo "$msg, cpu server ${T_SCPU}s client ${T_CCPU}s, other load ${T_FOREIGN} cores, rss ${T_RSS} KiB" >&2
}

# The raw pipe into a fresh, empty, index-free copy of the table.
pipe_once() { # label run table ddl
    local label=$1 run=$2 table=$3 ddl=$4
    local prefix="$LOGS/pipe_${label}_pipe_$run"
    recreate_db bench_pipe
    psqlq -d bench_pipe -c "$ddl"
    settle
    timed "$prefix" bash -c "set -o pipefail
        psql -X -q -v ON_ERROR_STOP=1 -d bench_src -c 'COPY $table TO STDOUT (FORMAT binary)' |
        psql -X -q -v ON_ERROR_STOP=1 -d bench_pipe -c 'COPY $table FROM STDIN (FORMAT binary)'" ||
        die "the raw pipe failed; see $prefix.err"
    echo "  run $run: pipe wall ${T_WALL}s, cpu server ${T_SCPU}s client ${T_CCPU}s, other load ${T_FOREIGN} cores" >&2
}

# Source and target hold the same rows (an order-independent checksum).
same_rows() { # src dst table
    local q="SELECT count(*) || ' ' || md5(string_agg(md5(t::text), '' ORDER BY id)) FROM $3 t"
    [[ $(sqlv "$1" "$q") == "$(sqlv "$2" "$q")" ]] || die "$2.$3 differs from $1.$3"
}

scaled() { python3 -c "print(max(1000, round($1 * $SCALE)))"; }

# ------------------------------------------------------------------ 1. pipe

section_pipe() {
    local nu nn nw
    nu=$(scaled 2000000)
    nn=$(scaled 300000)
    nw=$(scaled 500000)
    ensure_db bench_src "v1 $(md5sum <"$BENCH_DIR/dataset.sql" | cut -c1-12) $nu $nn $nw" \
        psqlq -d bench_src -v users_rows="$nu" -v notes_rows="$nn" -v wide_rows="$nw" \
        -f "$BENCH_DIR/dataset.sql"

    local table others ddl i t tools
    for table in users notes wide; do
        others=()
        for t in users notes wide; do [[ $t == "$table" ]] || others+=("public.$t"); done
        write_config "$WORK/only_$table.yaml" "" "${others[@]}"
        tools=(privaci pipe)
        if [[ $table == users ]]; then
            # Diagnostic: the same run with 10x fewer, 10x larger batches.
            write_config "$WORK/only_${table}_b100k.yaml" 100000 "${others[@]}"
            # Issue 7: email, first_name, last_name, phone and dob masked.
            write_masked_config "$WORK/only_${table}_masked.yaml" "${others[@]}"
            tools=(privaci pipe privaci_b100k privaci_masked)
        fi
        say "1. $table: ${tools[*]}, $RUNS runs each (order rotates per run)"
        record pipe "$table" 0 rows "$(sqlv bench_src "SELECT count(*) FROM $table")"
        record pipe "$table" 0 bytes "$(sqlv bench_src "SELECT pg_table_size('$table')")"
        # The pipe's target: the same DDL, no PK, no index (privaci too loads
        # into a bare table and builds the PK afterwards).
        ddl=$(pg_dump -d bench_src -t "public.$table" --schema-only --no-owner --no-acl |
            sed -n '/^CREATE TABLE/,/^);/p')
        warm bench_src "$table"
        # Untimed warm-up: the first bulk load of a fresh cluster also pays
        # for creating WAL segment files; later runs recycle them.
        pipe_once "$table" 0 "$table" "$ddl" 2>/dev/null
        for ((i = 1; i <= RUNS; i++)); do
            local k n=${#tools[@]}
            for ((k = 0; k < n; k++)); do
                local tool=${tools[$(((k + i - 1) % n))]}
                case $tool in
                pipe)
                    pipe_once "$table" "$i" "$table" "$ddl"
                    record_timed pipe "$table" "$i" pipe
                    [[ $(sqlv bench_pipe "SELECT count(*) FROM $table") == \
                        $(sqlv bench_src "SELECT count(*) FROM $table") ]] || die "the pipe lost rows"
                    ;;
                privaci)
                    privaci_once pipe "$table" "$i" privaci "$WORK/only_$table.yaml" bench_src bench_dst "$table" 1
                    same_rows bench_src bench_dst "$table"
                    ;;
                privaci_b100k)
                    privaci_once pipe "$table" "$i" privaci_b100k "$WORK/only_${table}_b100k.yaml" bench_src bench_dst "$table" 1
                    ;;
                privaci_masked)
                    privaci_once pipe "$table" "$i" privaci_masked "$WORK/only_${table}_masked.yaml" bench_src bench_dst "$table" 1
                    masked_rows_ok bench_src bench_dst
                    ;;
                esac
            done
        done
    done

    if [[ ${BENCH_PERF:-0} == 1 ]]; then
        say "perf record -a -g during one privaci run on users"
        install_missing linux-perf
        mkdir -p "$WORK/perf"
        recreate_db bench_dst
        settle
        perf record -a -g -e cpu-clock -F 999 -o "$WORK/perf/privaci.data" -- "$PRIVACI" run \
            --config "$WORK/only_users.yaml" --source "$(url bench_src)" --target "$(url bench_dst)" \
            --no-progress --jobs 1 >"$WORK/perf/run.jsonl" 2>"$WORK/perf/perf.log"
        # (head closes its pipe early: no pipefail for these reports)
        local rep="perf report -i $WORK/perf/privaci.data --no-children -g none --stdio"
        (
            set +o pipefail
            echo "## CPU samples by process (cpu-clock, 999 Hz, whole machine)"
            $rep -n --sort comm,pid 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
            echo "## privaci: top symbols"
            $rep -n --comm privaci --sort sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25
            echo "## postgres processes: top symbols"
            $rep -n --comm postgres --sort pid,sym 2>/dev/null | grep -v '^#' | grep -v '^$' | head -40
        ) >"$WORK/perf/top.txt"
        perf report -i "$WORK/perf/privaci.data" --no-children --comm privaci --stdio \
            >"$WORK/perf/privaci-callgraph.txt" 2>/dev/null || true
        echo "  profile: $WORK/perf/top.txt" >&2
    fi
}

# ------------------------------------------------------------------ 2. demo

section_demo() {
    ensure_db demo_src "v1 $(md5sum <"$REPO/demo/source.sql" | cut -c1-12)" \
        psqlq -d demo_src -f "$REPO/demo/source.sql"
    write_config "$WORK/demo.yaml" ""
    local rows
    rows=$(sqlv demo_src "SELECT sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM ONLY %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
    record demo all 0 rows "$rows"
    say "2. demo database ($rows rows): privaci vs pgcopydb clone, $RUNS runs each"
    local i k prefix
    for ((i = 1; i <= RUNS; i++)); do
        for ((k = 0; k < 2; k++)); do
            if (((k + i) % 2 == 1)); then
                privaci_once demo all "$i" privaci "$WORK/demo.yaml" demo_src demo_privaci "" 2
            else
                prefix="$LOGS/demo_all_pgcopydb_$i"
                recreate_db demo_pgcopydb
                rm -rf "$WORK/pgcopydb"
                settle
                timed "$prefix" pgcopydb clone --source "$(url demo_src)" --target "$(url demo_pgcopydb)" \
                    --dir "$WORK/pgcopydb" --table-jobs 2 --index-jobs 2 --no-owner --no-acl ||
                    die "pgcopydb failed; see $prefix.err"
                record_timed demo all "$i" pgcopydb
                echo "  run $i: pgcopydb wall ${T_WALL}s, cpu server ${T_SCPU}s client ${T_CCPU}s, other load ${T_FOREIGN} cores" >&2
            fi
        done
    done
    # What each copied: relation kinds, and per-table row counts vs the source.
    python3 - "$WORK/demo_compare.txt" <<'EOF'
import subprocess, sys
def q(db, sql, sep="\t"):
    out = subprocess.run(["psql", "-X", "-qAt", "-F", sep, "-d", db, "-c", sql],
                         capture_output=True, text=True, check=True).stdout
    return [l for l in out.splitlines() if l]
SKIP = "('pg_catalog','information_schema','pg_toast','_privaci','pgcopydb')"
def counts(db):
    return dict(l.split("\t") for l in q(db,
        "SELECT n.nspname||'.'||c.relname, (xpath('/row/c/text()', query_to_xml(format("
        "'SELECT count(*) AS c FROM ONLY %I.%I', n.nspname, c.relname), false, true, '')))[1]::text "
        f"FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN {SKIP}"))
def kinds(db):
    return " ".join(q(db, "SELECT c.relkind::text || '=' || count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                          f"WHERE n.nspname NOT IN {SKIP} GROUP BY c.relkind::text ORDER BY 1"))
def others(db):
    return " ".join(q(db, "SELECT 'constraints=' || (SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace "
                          f"WHERE n.nspname NOT IN {SKIP}) || ' triggers=' || (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) "
                          "|| ' extensions=' || (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension)"))
src = counts("demo_src")
with open(sys.argv[1], "w") as f:
    f.write("relkinds: r table, p partitioned, i index, I partitioned index, S sequence, v view, m matview\n")
    for db in ("demo_src", "demo_privaci", "demo_pgcopydb"):
        c = counts(db)
        bad = sorted(t for t in src if src[t] != c.get(t))
        f.write(f"{db}: {kinds(db)} {others(db)}; rows {sum(int(v) for v in c.values())}; "
                f"tables whose row count differs from the source: {bad or 'none'}\n")
sys.stderr.write(open(sys.argv[1]).read())
EOF
}

# ------------------------------------------------------------------ 3. rss

section_rss() {
    local small big sum
    small=$(scaled 1000000)
    big=$(scaled 10000000)
    sum=$(md5sum <"$BENCH_DIR/dataset.sql" | cut -c1-12)
    ensure_db rss_small "v1 $sum $small" \
        psqlq -d rss_small -v users_rows="$small" -v notes_rows=0 -v wide_rows=0 -f "$BENCH_DIR/dataset.sql"
    ensure_db rss_big "v1 $sum $big" \
        psqlq -d rss_big -v users_rows="$big" -v notes_rows=0 -v wide_rows=0 -f "$BENCH_DIR/dataset.sql"
    write_config "$WORK/rss.yaml" ""
    record rss small 0 rows "$small"
    record rss big 0 rows "$big"
    local i db label
    for db in rss_small rss_big; do
        label=${db#rss_}
        say "3. peak RSS, users with $(sqlv "$db" "SELECT count(*) FROM users") rows, $RUNS runs"
        warm "$db" users
        for ((i = 1; i <= RUNS; i++)); do
            privaci_once rss "$label" "$i" privaci "$WORK/rss.yaml" "$db" rss_dst users 1
        done
    done
}

# ------------------------------------------------------------------ 4. mask

# The masker alone, per action (bench/mask_cost.c): no database involved,
# one core. Its Markdown table goes into the report as is.
section_mask() {
    local n prefix="$LOGS/mask_cost"
    n=$(scaled 1000000)
    say "4. masking cost per action: mask_cost, $n cells per action, $RUNS repetitions"
    timed "$prefix" "$MASK_COST" -n "$n" -r "$RUNS" || die "mask_cost failed; see $prefix.err"
    cp "$prefix.out" "$WORK/mask_cost.md"
    record mask all 0 cells "$n"
    record_timed mask all 1 mask_cost
    cat "$WORK/mask_cost.md" >&2
    echo "  mask_cost wall ${T_WALL}s, other load ${T_FOREIGN} cores" >&2
}

# ------------------------------------------------------------------ main

main() {
    setup_tools
    start_cluster
    : >"$RESULTS"
    rm -f "$WORK/mask_cost.md"
    {
        echo "# machine"
        echo "nproc: $(nproc)"
        echo "memory: $(free -h | awk '/^Mem:/ {print $2}')"
        echo "cpu: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')" \
            "(family $(lscpu | awk -F: '/CPU family/ {gsub(/ /, "", $2); print $2}')," \
            "model $(lscpu | awk -F: '/^Model:/ {gsub(/ /, "", $2); print $2}'))," \
            "$(lscpu | awk -F: '/Hypervisor vendor/ {gsub(/^ +/, "", $2); print $2 " guest"}')"
        echo "os: Debian $(cat /etc/debian_version 2>/dev/null), kernel $(uname -r), $(df -T "$WORK" | awk 'NR == 2 {print $2}') disk"
        echo "postgres: $("$PGBIN/postgres" --version)"
        echo "pgcopydb: $(pgcopydb --version 2>/dev/null | head -1)"
        echo "privaci: $("$PRIVACI" --version) ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
        echo "scale: $SCALE, runs: $RUNS"
        echo "date: $(date -u '+%F %H:%M UTC'), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    } >"$WORK/machine.txt"
    cat "$WORK/machine.txt" >&2
    local t0
    t0=$(now)
    want pipe && section_pipe
    want demo && section_demo
    want rss && section_rss
    want mask && section_mask
    python3 "$BENCH_DIR/report.py" "$RESULTS" "$WORK/machine.txt" "$WORK/mask_cost.md" >"$SUMMARY"
    echo >&2
    cat "$SUMMARY"
    echo "total bench time: $(elapsed "$t0") s" >&2
}

# Sourcing the script (for ad-hoc measurements) defines the functions only.
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    main "$@"
fi

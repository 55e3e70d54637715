"""`privaci run` end to end against real clusters (issue 5; spec/streaming.md,
cli.md §3.1, observability.md §3, state.md §2).

This build has no masking engine: every config is `auto_detect: false` with
passthrough columns only, so the target must hold exactly the source's rows.

Oracles
  - rows: `md5(t::text)` of every row, source vs target, compared per table
    as a list ordered by the primary key (as a sorted multiset without one),
    with the same session settings on both sides;
  - schema: `pg_dump --schema-only` of source vs target, normalized by the
    helpers of test_schema_replication.py;
  - state: `_privaci.runs`, `_privaci.table_checkpoints`, `_privaci.audit_log`;
  - events: stdout parsed line by line as JSON (every run is checked);
  - memory: VmRSS/VmHWM of the privaci process sampled from /proc.

Every test uses fresh databases; names start with `run_`.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from psycopg import sql

from conftest import clean_env, privaci_bin
from test_schema_replication import assert_same_ddl, ddl_entries, expected_from_source

SQL_DIR = Path(__file__).resolve().parent / "sql"
SALT = "pv-run-tests-salt-0123456789abcdefghijklmnop"
ENV = {"ANONYMIZATION_SALT": SALT}
CONFIG = 'version: "1.0"\nauto_detect: false\n'
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", "_privaci")


# ------------------------------------------------------------------ databases


def fresh_source(cluster, db: str, *sql_files: str, extra_sql: str | None = None) -> str:
    cluster.drop_db(db)
    cluster.create_db(db)
    with cluster.connect(db) as conn:
        for f in sql_files:
            conn.execute((SQL_DIR / f).read_text(encoding="utf-8"))
        if extra_sql:
            conn.execute(extra_sql)
    return db


def fresh_target(cluster, db: str, encoding: str | None = None) -> str:
    cluster.drop_db(db)
    # Move the target cluster's OID counter away from the source's, as on
    # any real pair of servers: user types (enums, domains, extension types)
    # then get other OIDs on the target, which binary COPY must survive
    # (array and record values carry element/column type OIDs).
    with cluster.connect("postgres") as conn:
        conn.execute("SELECT lo_unlink(lo_create(0)) FROM generate_series(1, 997)")
    if encoding is None:
        cluster.create_db(db)
    else:
        with cluster.connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} ENCODING {} LC_COLLATE 'C' LC_CTYPE 'C' "
                                 "TEMPLATE template0").format(sql.Identifier(db),
                                                              sql.Literal(encoding)))
    return db


def query(cluster, db: str, text, params=None) -> list[tuple]:
    with cluster.connect(db) as conn:
        return conn.execute(text, params).fetchall()


def scalar(cluster, db: str, text, params=None):
    return query(cluster, db, text, params)[0][0]


def qualified(schema: str, table: str) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))


def regclass(schema: str, table: str) -> str:
    """The quoted qualified name, as text (for ::regclass)."""
    return ".".join('"' + p.replace('"', '""') + '"' for p in (schema, table))


def user_tables(cluster, db: str) -> list[tuple[str, str]]:
    """Every table holding rows (plain tables and partition children), sorted."""
    return [tuple(r) for r in query(cluster, db, """
        SELECT n.nspname, c.relname FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname <> ALL (%s)
        ORDER BY 1, 2""", (list(SYSTEM_SCHEMAS),))]


def primary_key(cluster, db: str, schema: str, table: str) -> list[str]:
    return [r[0] for r in query(cluster, db, """
        SELECT a.attname FROM pg_constraint k
        JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord) ON true
        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
        WHERE k.conrelid = %s::regclass AND k.contype = 'p' ORDER BY u.ord""",
        (regclass(schema, table),))]


def row_digests(cluster, db: str, schema: str, table: str, key: list[str]) -> list[str]:
    """md5(t::text) per row: ordered by the key, or sorted without one."""
    order = (sql.SQL(", ").join(sql.Identifier(k) for k in key) if key
             else sql.SQL("1"))
    q = sql.SQL("SELECT md5(t::text) FROM ONLY {} AS t ORDER BY {}").format(
        qualified(schema, table), order)
    with cluster.connect(db) as conn:
        conn.execute("SET extra_float_digits = 3")
        return [r[0] for r in conn.execute(q).fetchall()]


def count_rows(cluster, db: str, schema: str, table: str) -> int:
    return scalar(cluster, db, sql.SQL("SELECT count(*) FROM ONLY {}").format(
        qualified(schema, table)))


def assert_same_rows(source_cluster, target_cluster, src_db: str, tgt_db: str,
                     tables: list[tuple[str, str]] | None = None) -> dict:
    """Source and target hold the same rows in every table; returns the counts."""
    src_tables = user_tables(source_cluster, src_db)
    assert user_tables(target_cluster, tgt_db) == src_tables
    counts = {}
    for schema, table in tables or src_tables:
        # Ordered by the source's key (the target's is the same: DDL checks).
        key = primary_key(source_cluster, src_db, schema, table)
        want = row_digests(source_cluster, src_db, schema, table, key)
        got = row_digests(target_cluster, tgt_db, schema, table, key)
        if want != got:
            missing = Counter(want) - Counter(got)
            extra = Counter(got) - Counter(want)
            pytest.fail(f"{schema}.{table}: {len(want)} source rows, {len(got)} target rows; "
                        f"{sum(missing.values())} missing, {sum(extra.values())} extra, "
                        f"order {'differs' if not missing and not extra else 'n/a'}",
                        pytrace=False)
        counts[(schema, table)] = len(want)
    return counts


# ------------------------------------------------------------------ running


def run_privaci(privaci, tmp_path, source_cluster, target_cluster, src_db, tgt_db, *args,
                config: str = CONFIG, timeout: float = 300):
    cfg = tmp_path / f"{tgt_db}.yaml"
    cfg.write_text(config, encoding="utf-8")
    return privaci("run", "--config", cfg, "--source", source_cluster.url(src_db),
                   "--target", target_cluster.url(tgt_db), "--no-progress", *args,
                   env=ENV, timeout=timeout)


def check_event_stream(res, status: str) -> tuple[str, list[dict]]:
    """stdout is JSON lines with exactly one run.start and one run.end."""
    events = res.events  # raises on any non-JSON line
    assert res.stdout.endswith("\n"), res
    names = [e.get("event") for e in events]
    assert names.count("run.start") == 1, res
    assert names.count("run.end") == 1, res
    start, end = events[names.index("run.start")], events[names.index("run.end")]
    run_id = start["run_id"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        run_id), run_id
    assert end["run_id"] == run_id
    assert end["status"] == status, res
    assert names[-1] == "run.end", res
    for e in events:
        assert TIMESTAMP.match(e["timestamp"]), e
        assert e["level"] in ("debug", "info", "warning", "error"), e
    # From run.start on, every event carries the run id.
    for e in events[names.index("run.start"):]:
        assert e.get("run_id") == run_id, e
    # table.start/table.end only inside the run.
    for i, name in enumerate(names):
        if name in ("table.start", "table.progress", "table.end"):
            assert names.index("run.start") < i < names.index("run.end"), res
    return run_id, events


def checkpoints(cluster, db: str, run_id: str) -> dict:
    return {(s, t): (status, rows, cursor) for s, t, status, rows, cursor in query(
        cluster, db, "SELECT schema_name, table_name, status, rows_processed, last_pk_value "
                     "FROM _privaci.table_checkpoints WHERE run_id = %s", (run_id,))}


def assert_succeeded(res, target_cluster, tgt_db: str) -> tuple[str, list[dict]]:
    """The success contract of cli.md §3.1 / observability.md §3 / state.md §2,
    cross-checked against the target's rows."""
    assert res.code == 0, res
    run_id, events = check_event_stream(res, "succeeded")
    end = [e for e in events if e["event"] == "run.end"][0]
    assert end["errors"] == 0 and end["failed_units"] == [], end

    starts = Counter((e["schema_name"], e["table_name"]) for e in events
                     if e["event"] == "table.start")
    ends = [e for e in events if e["event"] == "table.end"]
    assert Counter((e["schema_name"], e["table_name"]) for e in ends) == starts, res
    assert all(n == 1 for n in starts.values()), starts
    assert all(e["status"] == "done" for e in ends), ends
    assert not [e for e in events if e["event"] == "error"], res

    ckpt = checkpoints(target_cluster, tgt_db, run_id)
    assert set(ckpt) == set(starts), (sorted(ckpt), sorted(starts))
    rows_total = 0
    for e in ends:
        key = (e["schema_name"], e["table_name"])
        status, rows, _ = ckpt[key]
        assert status == "done", (key, ckpt[key])
        target_rows = count_rows(target_cluster, tgt_db, *key)
        assert e["rows_processed"] == rows == target_rows, (key, e, ckpt[key], target_rows)
        rows_total += rows

    run_row = query(target_cluster, tgt_db,
                    "SELECT status, ended_at IS NOT NULL, summary FROM _privaci.runs "
                    "WHERE run_id = %s", (run_id,))
    assert len(run_row) == 1 and run_row[0][0] == "succeeded" and run_row[0][1], run_row
    assert end["rows_processed"] == rows_total, (end, rows_total)
    assert end["tables_processed"] == len(starts), (end, len(starts))

    last = res.stderr.rstrip("\n").split("\n")[-1]
    assert last == (f"Run {run_id} succeeded: {len(starts)} table(s), {rows_total} row(s)."), \
        res
    return run_id, events


def units_of(events: list[dict]) -> set[tuple[str, str]]:
    return {(e["schema_name"], e["table_name"]) for e in events if e["event"] == "table.start"}


# ------------------------------------------------------------------ 1. every type


def test_every_supported_type_round_trips_byte_identical(privaci, tmp_path, source_cluster,
                                                         target_cluster):
    src = fresh_source(source_cluster, "run_types", "run_types.sql")
    tgt = fresh_target(target_cluster, "run_types")
    # Sanity of the fixture: generated and hand-written rows, NULL and empty cells.
    assert count_rows(source_cluster, src, "public", "all_types") == 1000 + 9 + 7 + 4 + 1
    assert scalar(source_cluster, src, "SELECT count(*) FROM all_types WHERE c_text = ''") > 50
    assert scalar(source_cluster, src, "SELECT count(*) FROM all_types t "
                  "WHERE num_nulls(VARIADIC ARRAY[t.c_bool::text, t.c_uuid::text, "
                  "t.a_mood::text]) = 3") > 10

    res = run_privaci(privaci, tmp_path, source_cluster, target_cluster, src, tgt)
    run_id, events = assert_succeeded(res, target_cluster, tgt)
    assert units_of(events) == {("public", "all_types")}
    assert not [e for e in events if e["event"] == "binary_fallback"], res
    counts = assert_same_rows(source_cluster, target_cluster, src, tgt)
    assert counts[("public", "all_types")] == 1021

    # Per column too, so a difference names its column. Each cell is rendered
    # by its type's output function, as in the row text: `xml::text` would
    # show the stored XML declaration, which the server's own binary send
    # function drops (xml_send), so a binary COPY never carries it.
    cols = [r[0] for r in query(source_cluster, src,
                                "SELECT attname FROM pg_attribute WHERE attrelid = "
                                "'public.all_types'::regclass AND attnum > 0 ORDER BY attnum")]
    q = sql.SQL("SELECT {} FROM public.all_types ORDER BY id").format(
        sql.SQL(", ").join(sql.SQL("md5(ROW({})::text)").format(sql.Identifier(c)) for c in cols))
    want = query(source_cluster, src, q)
    got = query(target_cluster, tgt, q)
    for i, c in enumerate(cols):
        assert [r[i] for r in want] == [r[i] for r in got], f"column {c} differs"

    # The types on the target are the source's (enum labels in order, domains).
    q_types = ("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
               "WHERE a.attrelid = 'public.all_types'::regclass AND a.attnum > 0 ORDER BY 1")
    assert query(target_cluster, tgt, q_types) == query(source_cluster, src, q_types)
    q_enum = "SELECT enum_range(NULL::public.mood)::text"
    assert scalar(target_cluster, tgt, q_enum) == scalar(source_cluster, src, q_enum)


# ------------------------------------------------------------------ 2. text fallback


def test_type_without_binary_io_streams_in_text_mode(privaci, tmp_path, source_cluster,
                                                     target_cluster):
    src = fresh_source(source_cluster, "run_nobin", "run_nobin.sql")
    tgt = fresh_target(target_cluster, "run_nobin")
    # The fixture type really has no binary send/receive, and works.
    assert query(source_cluster, src, "SELECT typsend::oid, typreceive::oid FROM pg_type "
                 "WHERE oid = 'public.t_nobin'::regtype") == [(0, 0)]
    assert scalar(source_cluster, src, "SELECT 'x y'::public.t_nobin::text") == "x y"
    proc = subprocess.run(
        [str(source_cluster.bindir / "psql"), "-X", "-d", source_cluster.dsn(src), "-c",
         "COPY public.nobin_items TO STDOUT (FORMAT binary)"],
        capture_output=True, env=clean_env())
    assert proc.returncode != 0 and b"no binary output function" in proc.stderr, proc.stderr

    res = run_privaci(privaci, tmp_path, source_cluster, target_cluster, src, tgt,
                      config=CONFIG + "batch_size: 100\n")
    run_id, events = assert_succeeded(res, target_cluster, tgt)
    # pre-data replicated the type with its I/O functions.
    assert query(target_cluster, tgt, "SELECT typsend::oid, typreceive::oid FROM pg_type "
                 "WHERE oid = 'public.t_nobin'::regtype") == [(0, 0)]
    assert_same_rows(source_cluster, target_cluster, src, tgt)

    # Declared type names (as the catalog renders them), sorted, each once: an
    # array of the type and a domain over it have no binary I/O either.
    want_types = {"nobin_items": ["public.t_nobin", "public.t_nobin[]"],
                  "nobin_log": ["public.t_nobin"], "nobin_keys": ["public.d_nobin"]}
    fallback = [e for e in events if e["event"] == "binary_fallback"]
    assert sorted(e["table_name"] for e in fallback) == sorted(want_types), res
    for e in fallback:
        assert e["level"] == "warning" and e["schema_name"] == "public"
        assert e["unsupported_types"] == want_types[e["table_name"]], e
        # Announced at unit start: before the unit's table.end.
        i = events.index(e)
        end = [j for j, x in enumerate(events) if x["event"] == "table.end"
               and x["table_name"] == e["table_name"]]
        assert end and end[0] > i

    audit = query(target_cluster, tgt,
                  "SELECT schema_name, table_name, level, payload FROM _privaci.audit_log "
                  "WHERE run_id = %s AND event_type = 'binary_fallback' ORDER BY table_name",
                  (run_id,))
    assert [(a[0], a[1], a[2]) for a in audit] == [
        ("public", t, "warning") for t in sorted(want_types)], audit
    for a in audit:
        # state.md §6 / streaming.md §4: payload {"types": [...]}.
        assert a[3] == {"types": want_types[a[1]]}, a
    text_log = sorted(e["table"] for e in events if e["event"] == "table.text_fallback")
    assert text_log == ["public." + t for t in sorted(want_types)], res

    # Many text-mode batches, each with a cursor; the no-PK table in one unit.
    ckpt = checkpoints(target_cluster, tgt, run_id)
    assert ckpt[("public", "nobin_items")][:2] == ("done", 780)
    assert ckpt[("public", "nobin_items")][2] == "1002"
    assert ckpt[("public", "nobin_log")] == ("done", 300, None)
    last_key = scalar(source_cluster, src, "SELECT max(k) FROM public.nobin_keys")
    assert ckpt[("public", "nobin_keys")] == ("done", 333, last_key)
    assert ckpt[("public", "plain")][:2] == ("done", 300)


# ------------------------------------------------------------------ 3. partitions


def test_partition_children_stream_into_themselves(privaci, tmp_path, source_cluster,
                                                   target_cluster):
    src = fresh_source(source_cluster, "run_parts", "run_partitions.sql")
    tgt = fresh_target(target_cluster, "run_parts")
    res = run_privaci(privaci, tmp_path, source_cluster, target_cluster, src, tgt, "--jobs", "3",
                      config=CONFIG + "batch_size: 150\n")
    run_id, events = assert_succeeded(res, target_cluster, tgt)

    children = query(source_cluster, src, """
        SELECT n.nspname, c.relname, p.relname FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' ORDER BY 2""")
    by_parent = Counter(r[2] for r in children)
    assert by_parent == {"readings": 24, "accounts": 3, "sessions": 4}, by_parent
    # Every child is a unit of its own; parents never are.
    assert units_of(events) == {(r[0], r[1]) for r in children} | {("parts", "sensors")}
    for parent in ("readings", "accounts", "sessions"):
        assert ("parts", parent) not in units_of(events)

    counts = assert_same_rows(source_cluster, target_cluster, src, tgt)
    for schema, child, _ in children:
        # The rows are in the child itself (ONLY), not merely routed via the parent.
        assert count_rows(target_cluster, tgt, schema, child) == counts[(schema, child)]
        relid = regclass(schema, child)
        assert scalar(target_cluster, tgt, "SELECT relispartition FROM pg_class "
                      "WHERE oid = %s::regclass", (relid,)) is True
    empty = [c for c in children if counts[(c[0], c[1])] == 0]
    assert [c[1] for c in empty] == ["readings_2024_03"]
    assert counts[("parts", "accounts_other")] == 600  # the DEFAULT child
    for parent, n in (("readings", None), ("accounts", 1500), ("sessions", 2345)):
        total = scalar(target_cluster, tgt, sql.SQL("SELECT count(*) FROM {}").format(
            qualified("parts", parent)))
        assert total == scalar(source_cluster, src, sql.SQL("SELECT count(*) FROM {}").format(
            qualified("parts", parent)))
        if n:
            assert total == n
    # Hash children have the single-column key: per-batch checkpoints whose
    # cursor is the child's own last key; range children (composite key) one
    # transaction each.
    ckpt = checkpoints(target_cluster, tgt, run_id)
    for i in range(4):
        child = f"sessions_{i}"
        last = scalar(source_cluster, src, sql.SQL("SELECT max(id)::text FROM ONLY {}").format(
            qualified("parts", child)))
        assert ckpt[("parts", child)] == ("done", counts[("parts", child)], last), ckpt
    assert ckpt[("parts", "readings_2023_01")][2] is None
    # Partition bounds replicated.
    q = ("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_class c "
         "WHERE c.relispartition ORDER BY 1")
    assert query(target_cluster, tgt, q) == query(source_cluster, src, q)


# ------------------------------------------------------------------ 4. hostile identifiers


def test_hostile_identifiers_round_trip(privaci, tmp_path, source_cluster, target_cluster):
    src = fresh_source(source_cluster, "run_hostile", "run_hostile.sql")
    tgt = fresh_target(target_cluster, "run_hostile")
    res = run_privaci(privaci, tmp_path, source_cluster, target_cluster, src, tgt, "--jobs", "2",
                      config=CONFIG + "batch_size: 100\n")
    run_id, events = assert_succeeded(res, target_cluster, tgt)
    assert units_of(events) == {
        ("Sales Data", 'Order "Items"'), ("public", "user"), ("public", "日本"),
        ("select", "table"), ('Ünï "cøde"', 'Key\'s "Table"')}
    counts = assert_same_rows(source_cluster, target_cluster, src, tgt)
    assert counts[('Ünï "cøde"', 'Key\'s "Table"')] == 555
    ckpt = checkpoints(target_cluster, tgt, run_id)
    # The text cursor (quotes, backslashes) was stored in clear and is the last key.
    last = scalar(source_cluster, src,
                  'SELECT max("Key\'s ""pk""") FROM "Ünï ""cøde"""."Key\'s ""Table"""')
    assert ckpt[('Ünï "cøde"', 'Key\'s "Table"')] == ("done", 555, last)
    assert ckpt[("Sales Data", 'Order "Items"')] == ("done", 640, "640")
    # Column names survived.
    q = ("SELECT attrelid::regclass::text, attname FROM pg_attribute a JOIN pg_class c "
         "ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
         "WHERE attnum > 0 AND NOT attisdropped AND c.relkind = 'r' "
         "AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_privaci') ORDER BY 1, 2")
    assert query(target_cluster, tgt, q) == query(source_cluster, src, q)
    # The FK with a quoted name exists after post-data.
    assert scalar(target_cluster, tgt, "SELECT count(*) FROM pg_constraint "
                  "WHERE conname = 'fk \"quoted\"' AND contype = 'f'") == 1


# ------------------------------------------------------------------ 5. keys, batches, sequences


def test_key_shapes_batches_checkpoints_and_sequences(privaci, tmp_path, source_cluster,
                                                      target_cluster):
    src = fresh_source(source_cluster, "run_keys", "run_keys.sql")
    tgt = fresh_target(target_cluster, "run_keys")
    res = run_privaci(privaci, tmp_path, source_cluster, target_cluster, src, tgt, "--jobs", "2",
                      config=CONFIG + "batch_size: 100\n")
    run_id, events = assert_succeeded(res, target_cluster, tgt)
    counts = assert_same_rows(source_cluster, target_cluster, src, tgt)
    ckpt = checkpoints(target_cluster, tgt, run_id)

    # Composite and missing PKs: one transaction, table-level checkpoint (no cursor).
    for table in ("composite", "nopk"):
        assert ckpt[("keys", table)] == ("done", counts[("keys", table)], None), ckpt
    fallback = query(target_cluster, tgt,
                     "SELECT table_name, payload FROM _privaci.audit_log WHERE run_id = %s "
                     "AND event_type = 'checkpoint_fallback' ORDER BY table_name", (run_id,))
    assert fallback == [
        ("composite", {"reason": "composite_pk", "primary_key": ["a", "b"]}),
        ("nopk", {"reason": "no_pk", "primary_key": []})], fallback
    assert counts[("keys", "nopk")] == 2302
    assert counts[("keys", "composite")] == 2500

    # Single-column PKs in batches of 100: cumulative rows and the last key as cursor.
    cursor_sql = {
        "single_int": "SELECT max(id)::text FROM keys.single_int",
        "single_text": "SELECT max(k) FROM keys.single_text",
        "single_uuid": "SELECT id::text FROM keys.single_uuid ORDER BY id DESC LIMIT 1",
        "single_tstz": "SELECT max(at)::text FROM keys.single_tstz",
        "single_numeric": "SELECT max(n)::text FROM keys.single_numeric",
        "single_bigint": "SELECT max(id)::text FROM keys.single_bigint",
        "ident_always": "SELECT max(id)::text FROM keys.ident_always",
        "serial_t": "SELECT max(id)::text FROM keys.serial_t",
    }
    for table, col in (("single_float", "f"), ("single_date", "d"), ("single_ts", "t"),
                       ("single_bytea", "b"), ("single_char", "c"), ("single_interval", "i"),
                       ("single_domain", "id")):
        # format('%s') renders with the type's output function (char(n) keeps its padding).
        cursor_sql[table] = (f"SELECT format('%s', {col}) FROM keys.{table} "
                             f"ORDER BY {col} DESC LIMIT 1")
    with source_cluster.connect(src) as conn:
        for setting in ("TimeZone = 'UTC'", "DateStyle = 'ISO, MDY'", "IntervalStyle = postgres",
                        "extra_float_digits = 3", "bytea_output = hex"):
            conn.execute("SET " + setting)
        for table, q in cursor_sql.items():
            cursor = conn.execute(q).fetchone()[0]
            assert ckpt[("keys", table)] == ("done", counts[("keys", table)], cursor), \
                (table, ckpt[("keys", table)])
    assert counts[("keys", "single_int")] == 1050  # 11 batches
    assert counts[("keys", "single_bigint")] == 2001
    # Keys without a cursor codec (pg_lsn; an enum) still load completely.
    for table in ("single_lsn", "single_enum"):
        assert ckpt[("keys", table)][:2] == ("done", counts[("keys", table)]), ckpt

    # Progress reached the target batch by batch: table.progress never reports
    # more rows than the unit's total, and never before 2 s.
    for e in events:
        if e["event"] == "table.progress":
            assert e["rows_processed"] <= counts[(e["schema_name"], e["table_name"])]

    # Identity ALWAYS kept, values copied as they were.
    assert scalar(target_cluster, tgt, "SELECT attidentity FROM pg_attribute WHERE attrelid = "
                  "'keys.ident_always'::regclass AND attname = 'id'") == "a"
    # Sequences end past the column's maximum: the next insert does not collide.
    for table, col in (("ident_always", "id"), ("ident_default", "id"), ("serial_t", "id")):
        mx = scalar(target_cluster, tgt, sql.SQL("SELECT max({}) FROM {}").format(
            sql.Identifier(col), qualified("keys", table)))
        nxt = scalar(target_cluster, tgt, "SELECT nextval(pg_get_serial_sequence(%s, %s))",
                     (f"keys.{table}", col))
        assert nxt > mx and nxt == mx + 1, (table, mx, nxt)
    with target_cluster.connect(tgt) as conn:
        conn.execute("INSERT INTO keys.ident_always (v) VALUES ('new')")
        conn.execute("INSERT INTO keys.serial_t (v) VALUES ('new')")
        conn.execute("INSERT INTO keys.ident_default (v) VALUES ('new')")
    synced = {e["sequence"] for e in events if e["event"] == "sequence.sync"}
    assert len(synced) == 3, synced

    # Constraints are back after post-data: FKs (incl. the composite one), PK, UNIQUE.
    q = ("SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid) FROM pg_constraint "
         "WHERE connamespace = 'keys'::regnamespace ORDER BY 1, 2, 3")
    assert query(target_cluster, tgt, q) == query(source_cluster, src, q)


# ------------------------------------------------------------------ 6. --jobs 1 vs --jobs 4


@pytest.fixture(scope="module")
def world(source_cluster):
    """A database with many units: the schema-replication fixture, key shapes,
    partitions and hostile identifiers."""
    return fresh_source(source_cluster, "run_world", "schema_rich.sql", "run_keys.sql",
                        "run_partitions.sql", "run_hostile.sql",
                        extra_sql="INSERT INTO public.notes SELECT g, NULL, 'note ' || g "
                                  "FROM generate_series(1, 500) g; ANALYZE;")


def test_jobs_1_and_jobs_4_give_identical_targets(privaci, tmp_path, source_cluster,
                                                  target_cluster, world):
    targets = {}
    for jobs in ("1", "4"):
        tgt = fresh_target(target_cluster, f"run_world_j{jobs}")
        res = run_privaci(privaci, tmp_path, source_cluster, target_cluster, world, tgt,
                          "--jobs", jobs)
        run_id, events = assert_succeeded(res, target_cluster, tgt)
        assert len(units_of(events)) > 40
        # --jobs N: at most N units between their table.start and table.end.
        busy = peak = 0
        for e in events:
            busy += {"table.start": 1, "table.end": -1}.get(e["event"], 0)
            peak = max(peak, busy)
        if jobs == "1":
            assert peak == 1, "units overlapped with --jobs 1"
        else:
            assert 2 <= peak <= 4, f"{peak} units streamed at once with --jobs 4"
        targets[jobs] = (tgt, units_of(events))
    assert targets["1"][1] == targets["4"][1]

    # Data: every user table of both targets equals the source (and so each other).
    tables = user_tables(source_cluster, world)
    digests = {}
    for jobs, (tgt, _) in targets.items():
        assert_same_rows(source_cluster, target_cluster, world, tgt)
        digests[jobs] = {t: row_digests(target_cluster, tgt, *t,
                                        primary_key(source_cluster, world, *t))
                         for t in tables}
    assert digests["1"] == digests["4"]

    # Schema: pg_dump of source and targets agree once the skipped kinds and
    # non-unique indexes are left out (catalog-and-schema.md §8).
    expected = expected_from_source(ddl_entries(source_cluster, world))
    for jobs, (tgt, _) in targets.items():
        assert_same_ddl(expected, ddl_entries(target_cluster, tgt))
    q = ("SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) "
         "FROM pg_constraint WHERE contype IN ('p', 'u', 'f', 'x') AND connamespace <> ALL "
         "(SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', '_privaci')) "
         "ORDER BY 1, 2")
    want = query(source_cluster, world, q)
    assert len([c for c in want if c[2] == "f"]) >= 10
    for tgt, _ in targets.values():
        assert query(target_cluster, tgt, q) == want
    # Standalone sequences carry the source's position.
    q = ("SELECT schemaname, sequencename, last_value FROM pg_sequences "
         "WHERE sequencename = 'invoice_numbers'")
    for tgt, _ in targets.values():
        assert query(target_cluster, tgt, q) == query(source_cluster, world, q)


# ------------------------------------------------------------------ 7. event stream


def test_event_stream_and_run_row(privaci, tmp_path, source_cluster, target_cluster):
    src = fresh_source(source_cluster, "run_events", "run_keys.sql")
    tgt = fresh_target(target_cluster, "run_events")
    res = run_privaci(privaci, tmp_path, source_cluster, target_cluster, src, tgt, "--jobs", "3")
    run_id, events = assert_succeeded(res, target_cluster, tgt)
    names = [e["event"] for e in events]

    # Exactly the documented shapes.
    start = events[names.index("run.start")]
    for key in ("engine_version", "config_hash", "salt_fingerprint", "source_db_hash"):
        assert isinstance(start[key], str) and start[key], start
    assert start["commercial_layer_present"] is False
    assert re.fullmatch(r"[0-9a-f]{64}", start["config_hash"])
    assert re.fullmatch(r"[0-9a-f]{16}", start["salt_fingerprint"])
    assert SALT not in res.output
    end = events[-1]
    assert set(end) >= {"status", "duration_ms", "tables_processed", "rows_processed", "errors",
                        "failed_units"}
    assert isinstance(end["duration_ms"], float)
    assert names.count("schema.cloned") == 1
    assert names.index("run.start") < names.index("schema.cloned") < names.index("table.start")

    # Per unit: table.start before its table.end, with the documented fields.
    per_unit: dict = {}
    for i, e in enumerate(events):
        if e["event"] in ("table.start", "table.end", "table.progress"):
            per_unit.setdefault((e["schema_name"], e["table_name"]), []).append((i, e))
    assert set(per_unit) == set(user_tables(source_cluster, src))
    for unit, seq in per_unit.items():
        kinds = [e["event"] for _, e in seq]
        assert kinds[0] == "table.start" and kinds[-1] == "table.end", (unit, kinds)
        assert kinds.count("table.start") == 1 and kinds.count("table.end") == 1
        s, e = seq[0][1], seq[-1][1]
        assert s["estimated_rows"] is None or isinstance(s["estimated_rows"], int), s
        assert isinstance(e["duration_ms"], float) and e["status"] == "done", e

    # The run row.
    status, summary, ended, cfg_hash, salt_fp = query(
        target_cluster, tgt, "SELECT status, summary, ended_at >= started_at, config_hash, "
        "salt_fingerprint FROM _privaci.runs WHERE run_id = %s", (run_id,))[0]
    assert status == "succeeded" and ended
    assert cfg_hash == start["config_hash"] and salt_fp == start["salt_fingerprint"]
    assert summary.get("phase") == "finished", summary
    assert scalar(target_cluster, tgt, "SELECT count(*) FROM _privaci.runs") == 1

    # stdout is only JSON; stderr ends with the summary line, and holds no JSON event.
    for line in res.stderr.splitlines():
        assert not line.startswith("{"), line


# ------------------------------------------------------------------ 8. a failing unit


FAIL_SQL = """
CREATE TABLE public.good_a (id integer PRIMARY KEY, s text);
INSERT INTO public.good_a SELECT g, 'a' || g FROM generate_series(1, 300) g;
CREATE TABLE public.good_b (a integer, b text);
INSERT INTO public.good_b SELECT g % 10, 'b' || g FROM generate_series(1, 200) g;
CREATE TABLE public.bad (id integer PRIMARY KEY, s text);
INSERT INTO public.bad SELECT g, 'plain ' || g FROM generate_series(1, 350) g;
-- One cell the LATIN1 target cannot store (streaming.md §2: the unit fails).
UPDATE public.bad SET s = 'secret-value-日本-XYZ' WHERE id = 150;
ANALYZE;
"""


def test_target_copy_failure_fails_only_that_unit(privaci, tmp_path, source_cluster,
                                                  target_cluster):
    src = fresh_source(source_cluster, "run_fail", extra_sql=FAIL_SQL)
    tgt = fresh_target(target_cluster, "run_fail", encoding="LATIN1")
    res = run_privaci(privaci, tmp_path, source_cluster, target_cluster, src, tgt, "--jobs", "1",
                      config=CONFIG + "batch_size: 100\n")
    assert res.code == 1, res
    run_id, events = check_event_stream(res, "failed")
    end = events[-1]
    assert end["errors"] == 1 and end["failed_units"] == ["public.bad"], end

    errors = [e for e in events if e["event"] == "error"]
    assert len(errors) == 1, res
    err = errors[0]
    assert err["level"] == "error" and err["exit_code"] == 1
    assert (err["schema_name"], err["table_name"]) == ("public", "bad"), err
    # Batch 1 (rows 1-100) committed; batch 2 holds row 150 and fails.
    assert err["batch"] == 2 and err["rows_processed"] == 100, err
    assert "column" in err and "sqlstate" in err, err
    assert err["sqlstate"] == "22P05", err
    assert err["context"] == "Streaming public.bad", err
    assert "22P05" in err["cause"] and "batch 2" in err["cause"], err

    # No cell value anywhere: not the value, not the bytes the server quoted.
    for needle in ("secret", "日本", "XYZ", "0xe6", "e6 97", "plain "):
        assert needle not in res.output, (needle, res)

    # State: the failed unit and the others.
    ckpt = checkpoints(target_cluster, tgt, run_id)
    assert ckpt[("public", "bad")][:2] == ("failed", 100), ckpt
    assert ckpt[("public", "good_a")][:2] == ("done", 300), ckpt
    assert ckpt[("public", "good_b")] == ("done", 200, None), ckpt
    assert count_rows(target_cluster, tgt, "public", "bad") == 100  # the committed batch stays
    assert scalar(target_cluster, tgt, "SELECT status FROM _privaci.runs WHERE run_id = %s",
                  (run_id,)) == "failed"
    # The audit row of the failure (streaming.md §8.1 step 2): value-free.
    failed = query(target_cluster, tgt,
                   "SELECT level, schema_name, table_name, column_name, payload "
                   "FROM _privaci.audit_log WHERE run_id = %s AND event_type = 'table.failed'",
                   (run_id,))
    assert len(failed) == 1, failed
    level, schema, table, column, payload = failed[0]
    assert (level, schema, table, column) == ("error", "public", "bad", None), failed
    assert {k: payload.get(k) for k in ("phase", "column", "batch", "rows_processed",
                                        "sqlstate")} == {
        "phase": "write", "column": None, "batch": 2, "rows_processed": 100,
        "sqlstate": "22P05"}, payload
    assert isinstance(payload.get("error"), str) and payload["error"], payload
    payloads = query(target_cluster, tgt, "SELECT payload::text FROM _privaci.audit_log")
    assert not [p for p in payloads if "secret" in p[0] or "日本" in p[0]]
    # Other units ended normally.
    done = {(e["schema_name"], e["table_name"]) for e in events if e["event"] == "table.end"}
    assert done == {("public", "good_a"), ("public", "good_b")}

    # No stray server notices (e.g. a ROLLBACK outside a transaction) on stderr.
    assert not re.search(r"^(WARNING|NOTICE):", res.stderr, re.M), res
    lines = res.stderr.rstrip("\n").split("\n")
    assert lines[-1] == f"Run {run_id} failed: 1 of 3 table(s) failed: public.bad.", res
    assert "Streaming public.bad" in res.stderr  # the unit's C/C/R block


# ------------------------------------------------------------------ 9. memory


def sample_run_rss(argv: list[str], env: dict, out_dir: Path) -> tuple[int, int, int, str]:
    """Runs privaci, sampling VmRSS (and the kernel's VmHWM high-water mark)
    every 50 ms; returns (peak kB, samples, exit code, stderr)."""
    out, err = out_dir / "stdout", out_dir / "stderr"
    with open(out, "wb") as fo, open(err, "wb") as fe:
        proc = subprocess.Popen(argv, env=clean_env(env), stdout=fo, stderr=fe,
                                stdin=subprocess.DEVNULL, cwd=out_dir)
        peak = samples = 0
        deadline = time.monotonic() + 240
        while proc.poll() is None:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except OSError:
                break
            for line in status.splitlines():
                if line.startswith(("VmRSS:", "VmHWM:")):
                    peak = max(peak, int(line.split()[1]))
            samples += 1
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("privaci run did not finish within 240 s")
            time.sleep(0.05)
        code = proc.wait()
    return peak, samples, code, err.read_text(errors="replace")


@pytest.mark.skipif("ASAN_OPTIONS" in os.environ, reason=(
    "under AddressSanitizer the RSS measures its quarantine of freed memory (libpq frees "
    "every row it hands out), not privaci's working set; the plain build runs this test"))
def test_memory_peak_rss_is_flat_in_table_size(tmp_path, source_cluster, target_cluster):
    peaks = {}
    for rows in (200_000, 2_000_000):
        db = f"run_mem_{rows}"
        fresh_source(source_cluster, db, extra_sql=f"""
            CREATE TABLE public.narrow (id integer PRIMARY KEY, n integer, s text);
            INSERT INTO public.narrow SELECT g, g % 1000, 'row ' || g
            FROM generate_series(1, {rows}) g;
            ANALYZE public.narrow;""")
        tgt = fresh_target(target_cluster, db)
        cfg = tmp_path / f"{db}.yaml"
        cfg.write_text(CONFIG, encoding="utf-8")
        run_dir = tmp_path / db
        run_dir.mkdir()
        argv = [str(privaci_bin()), "run", "--config", str(cfg), "--source",
                source_cluster.url(db), "--target", target_cluster.url(tgt), "--jobs", "1",
                "--no-progress"]
        peak, samples, code, stderr = sample_run_rss(argv, ENV, run_dir)
        assert code == 0, stderr
        assert samples >= 3, f"only {samples} RSS samples: the run was too short to measure"
        assert re.search(rf"succeeded: 1 table\(s\), {rows} row\(s\)\.$", stderr.strip()), stderr
        assert count_rows(target_cluster, tgt, "public", "narrow") == rows
        assert query(target_cluster, tgt, "SELECT status, rows_processed, last_pk_value "
                     "FROM _privaci.table_checkpoints") == [("done", rows, str(rows))]
        peaks[rows] = peak
        source_cluster.drop_db(db)
        target_cluster.drop_db(tgt)
    small, large = peaks[200_000], peaks[2_000_000]
    print(f"peak RSS: {small} kB for 200,000 rows, {large} kB for 2,000,000 rows")
    assert large < 200 * 1024, f"peak RSS {large} kB for 2,000,000 rows"
    assert abs(large - small) / small < 0.30, \
        f"peak RSS does not stay flat: {small} kB (200k rows) vs {large} kB (2M rows)"

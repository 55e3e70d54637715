"""Pre-flight (overview.md §4 step 5) and `privaci dry-run` (cli.md §3.2)
against real source and target clusters.

Every failure asserts its exit code, its C/C/R text, the one `preflight.fail`
event whose last check is the failing one (with the Cause as detail), the
`error` event, and that the target is byte-for-byte untouched (a full
pg_dump and the catalog state before and after).

`dry-run` never takes the run lock and only warns about a non-empty target,
so the run-mode behaviour (the lock, `on_existing_data: fail`) is driven
through the probe mode of the pre-flight unit-test executable
(`test_preflight probe run …`), which runs the same pre-flight as `privaci
run` will, with the same events and error block.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PG_BINDIR = Path("/usr/lib/postgresql/15/bin")
SALT = "pv-preflight-salt-0123456789abcdefghijkl"
ENV = {"ANONYMIZATION_SALT": SALT}
ANCHOR_2 = "docs/error-codes.md#exit-code-2-pre-flight-failure"
ANCHOR_3 = "docs/error-codes.md#exit-code-3-config-validation-failure"

CHECK_ORDER = [
    "source_connect", "target_connect", "run_lock", "source_catalog_read", "introspection",
    "resume_gate", "identifier_safety", "source_privileges", "config_tables",
    "partition_config", "config_columns", "sub_partitioning", "configured_features",
    "null_actions", "orphan_fks", "type_compatibility", "fk_consistency", "subset",
    "strict_autodetect", "target_privileges", "target_schema_privileges", "target_extensions",
    "pg_dump_version", "ner_model", "disk_advisory", "on_existing_data",
]

SOURCE_SQL = """
CREATE TABLE public.users (id bigint PRIMARY KEY, email text NOT NULL UNIQUE, full_name text,
                           zip integer);
INSERT INTO public.users SELECT g, 'user' || g || '@example.com', 'Name ' || g, 10000 + g
FROM generate_series(1, 40) g;
CREATE TABLE public.orders (id bigint PRIMARY KEY,
                            user_id bigint NOT NULL REFERENCES public.users (id), note text);
INSERT INTO public.orders SELECT g, g, 'n' FROM generate_series(1, 30) g;
CREATE TABLE public.notes (id int PRIMARY KEY, user_id bigint REFERENCES public.users (id),
                           body text);
INSERT INTO public.notes SELECT g, CASE WHEN g % 2 = 0 THEN g END, 'b' FROM generate_series(1, 10) g;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount numeric(10, 2));
INSERT INTO billing.invoices (amount) SELECT g FROM generate_series(1, 20) g;
CREATE TABLE public.events (id int, day date NOT NULL, payload text) PARTITION BY RANGE (day);
CREATE TABLE public.events_2024 PARTITION OF public.events
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_2025 PARTITION OF public.events
  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO public.events SELECT g, DATE '2024-06-01' + g, 'p' FROM generate_series(1, 300) g;
ANALYZE;
"""

CONFIG = """\
version: "1.0"
batch_size: 5000
tables:
  public.users:
    columns:
      email: { action: fake, provider: email }
      full_name: { action: fake, provider: full_name }
      id: { action: passthrough }
  public.events:
    batch_size: 20000
  billing.invoices:
    strategy: exclude
"""

PLAN = """\
Pre-flight OK (7 table(s) in source):
Auto-detect: 2 column(s) to mask, 0 uncertain for review
  billing.invoices: strategy=exclude (~20 rows)
  public.events: strategy=transform (partitioned, 2 partition(s), ~300 rows, batch 20000)
  public.notes: strategy=transform (~10 rows, batch 5000)
  public.orders: strategy=transform (~30 rows, batch 5000)
  public.users: strategy=transform (~40 rows, batch 5000)
      keep: id (config)
      mask: email -> fake/email (config)
      mask: full_name -> fake/full_name (config)
"""


# ------------------------------------------------------------------ helpers

def build_dir() -> Path:
    binary = os.environ.get("PRIVACI_BIN")
    return Path(binary).resolve().parent if binary else REPO / "build"


def _stable(dump: str) -> str:
    """pg_dump ≥ 15.14 brackets its output with random \\restrict keys; drop them."""
    return "".join(line for line in dump.splitlines(keepends=True)
                   if not line.startswith(("\\restrict ", "\\unrestrict ")))


def target_state(cluster, db: str) -> dict:
    """Everything a write could change: a full pg_dump, schemas, relations, locks aside."""
    dump = subprocess.run(
        [str(PG_BINDIR / "pg_dump"), "-h", str(cluster.socket_dir), "-p", str(cluster.port),
         "-U", cluster.user, "-d", db], capture_output=True, text=True, check=True).stdout
    with cluster.connect(db) as conn:
        schemas = sorted(r[0] for r in conn.execute("SELECT nspname FROM pg_namespace"))
        rels = sorted(tuple(r) for r in conn.execute(
            "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg_toast%'"))
        privaci = conn.execute("SELECT to_regnamespace('_privaci') IS NOT NULL").fetchone()[0]
    return {"dump": _stable(dump), "schemas": schemas, "relations": rels, "privaci": privaci}


def ccr(stderr: str) -> dict:
    lines = stderr.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("Context: ")]
    assert len(starts) == 1, stderr
    i = starts[0]
    block = {"context": lines[i][len("Context: "):]}
    i += 1
    cause = [lines[i][len("Cause: "):]]
    i += 1
    while not lines[i].startswith("Remediation: "):
        cause.append(lines[i])
        i += 1
    block["cause"] = "\n".join(cause)
    block["remediation"] = lines[i][len("Remediation: "):]
    block["see"] = lines[i + 1][len("See: "):]
    return block


def events_of(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def preflight_event(stdout: str, kind: str) -> dict:
    evs = [e for e in events_of(stdout) if e.get("event") in ("preflight.ok", "preflight.fail")]
    assert [e["event"] for e in evs] == [kind], stdout
    return evs[0]


class Dbs:
    def __init__(self, source, target, source_sql=SOURCE_SQL, target_sql=""):
        suffix = uuid.uuid4().hex[:8]
        self.source, self.target = source, target
        self.source_db = source.create_db(f"pf_src_{suffix}")
        self.target_db = target.create_db(f"pf_tgt_{suffix}")
        with source.connect(self.source_db) as conn:
            conn.execute(source_sql)
        if target_sql:
            with target.connect(self.target_db) as conn:
                conn.execute(target_sql)

    def source_url(self, user=None) -> str:
        return (f"postgresql://{user or self.source.user}@/{self.source_db}"
                f"?host={self.source.socket_dir}&port={self.source.port}")

    def target_url(self, user=None) -> str:
        return (f"postgresql://{user or self.target.user}@/{self.target_db}"
                f"?host={self.target.socket_dir}&port={self.target.port}")

    def target_state(self) -> dict:
        return target_state(self.target, self.target_db)

    def drop(self):
        self.source.drop_db(self.source_db)
        self.target.drop_db(self.target_db)


@pytest.fixture
def dbs(source_cluster, target_cluster):
    pair = Dbs(source_cluster, target_cluster)
    yield pair
    pair.drop()


class Roles:
    """Login roles created for one test, dropped (with their grants) afterwards."""

    def __init__(self):
        self.created = []

    def create(self, cluster, prefix: str) -> tuple[str, str]:
        name = f"{prefix}_{uuid.uuid4().hex[:6]}"
        quoted = '"' + name.replace('"', '""') + '"'
        with cluster.connect("postgres") as conn:
            conn.execute(f"CREATE ROLE {quoted} LOGIN")
        self.created.append((cluster, quoted))
        return name, quoted

    def drop_all(self):
        for cluster, quoted in self.created:
            with cluster.connect("postgres") as conn:
                dbs = [r[0] for r in conn.execute(
                    "SELECT datname FROM pg_database WHERE datallowconn")]
            for db in dbs:
                with cluster.connect(db) as conn:
                    conn.execute(f"DROP OWNED BY {quoted}")
            with cluster.connect("postgres") as conn:
                conn.execute(f"DROP ROLE IF EXISTS {quoted}")


@pytest.fixture
def roles():
    r = Roles()
    yield r
    r.drop_all()


def dry_run(privaci, write_config, dbs, config=CONFIG, *extra, env=None, source=None,
            target=None):
    cfg = write_config(config)
    return privaci("dry-run", "--config", cfg, "--source", source or dbs.source_url(),
                   "--target", target or dbs.target_url(), *extra, env={**ENV, **(env or {})})


def probe(mode: str, config_path, source_url: str, target_url: str, env=None):
    exe = build_dir() / "tests" / "unit" / "test_preflight"
    if not exe.is_file():
        pytest.fail(f"{exe} not found; build the unit tests (ninja -C build)", pytrace=False)
    return subprocess.run([str(exe), "probe", mode, str(config_path), source_url, target_url],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                               "LANG": "C.UTF-8", **(env or {})})


def assert_preflight_failure(result, code: int, check: str, context: str, cause: str,
                             remediation: str | None = None) -> dict:
    """Exit code, C/C/R, the preflight.fail event with `check` failing last, the error event."""
    rc = result.code if hasattr(result, "code") else result.returncode
    assert rc == code, result
    block = ccr(result.stderr)
    assert block["context"] == context, block
    assert block["cause"] == cause, block
    if remediation is not None:
        assert block["remediation"] == remediation, block
    assert block["see"] == (ANCHOR_2 if code == 2 else ANCHOR_3)
    ev = preflight_event(result.stdout, "preflight.fail")
    assert ev["level"] == "error"
    names = [c["name"] for c in ev["checks"]]
    assert names == CHECK_ORDER[:len(names)], names
    assert ev["checks"][-1] == {"name": check, "status": "fail", "detail": cause}
    assert all(c["status"] in ("ok", "warn", "skipped") for c in ev["checks"][:-1]), ev
    errors = [e for e in events_of(result.stdout) if e.get("event") == "error"]
    assert len(errors) == 1 and errors[0]["exit_code"] == code
    assert errors[0]["cause"] == cause and errors[0]["context"] == context
    return block


# ------------------------------------------------------------ the happy path

def test_dry_run_plan_and_events(privaci, write_config, dbs):
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs)
    assert r.code == 0, r
    assert r.stderr == PLAN + "Dry run complete; no writes performed.\n"
    events = events_of(r.stdout)
    assert [e["event"] for e in events] == ["log", "preflight.ok"]
    ok = events[1]
    assert ok["level"] == "info" and ok["tables"] == 7
    assert [c["name"] for c in ok["checks"]] == CHECK_ORDER
    statuses = {c["name"]: (c["status"], c["detail"]) for c in ok["checks"]}
    assert statuses["run_lock"] == ("skipped", "dry-run never takes the run lock")
    assert statuses["resume_gate"][0] == "skipped"
    for name in ("subset", "strict_autodetect", "ner_model"):
        assert statuses[name][0] == "skipped", name
    for name in set(CHECK_ORDER) - {"run_lock", "resume_gate", "subset", "strict_autodetect",
                                    "ner_model"}:
        assert statuses[name] == ("ok", None), name
    # The salt never shows; the target is exactly as before (dry-run never writes).
    assert SALT not in r.stdout + r.stderr
    assert dbs.target_state() == before


def test_dry_run_report(privaci, write_config, dbs, tmp_path):
    dest = tmp_path / "out" / "nested" / "report.md"
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs, CONFIG, "--report", str(dest))
    assert r.code == 0, r
    assert r.stderr == (PLAN + f"Wrote detection report to {dest}\n"
                        "Dry run complete; no writes performed.\n")
    text = dest.read_text(encoding="utf-8")
    assert text.startswith("# PrivaCI auto-detect report\n\nTables inspected: 7\n"
                           "Auto-detect: on\nStrict mode: off\n\n## public.events\n")
    assert "## billing.invoices" not in text  # excluded tables are not scanned
    users = text[text.index("## public.users\n"):]
    assert users == ("## public.users\n\n"
                     "### Masked (auto-detect)\n- _(none)_\n\n"
                     "### Explicit config\n"
                     "- `id`: passthrough (high)\n"
                     "- `email`: fake, provider=email (high)\n"
                     "- `full_name`: fake, provider=full_name (high)\n\n"
                     "### Uncertain (manual review)\n- _(none)_\n\n"
                     "### Passthrough\n- `zip`: passthrough, pattern=zip (low)\n\n")
    assert dbs.target_state() == before


def test_run_mode_preflight_passes_and_exports_a_snapshot(write_config, dbs):
    cfg = write_config(CONFIG)
    before = dbs.target_state()
    r = probe("run", cfg, dbs.source_url(), dbs.target_url())
    assert r.returncode == 0, r.stderr
    ok = preflight_event(r.stdout, "preflight.ok")
    assert {c["name"]: c["status"] for c in ok["checks"]}["run_lock"] == "ok"
    result = json.loads(r.stdout.splitlines()[-1])
    assert result["snapshot"] is True and len(result["source_db_hash"]) == 64
    assert dbs.target_state() == before


# ------------------------------------------------------------ config vs catalog

def test_configured_table_missing(privaci, write_config, dbs):
    before = dbs.target_state()
    config = CONFIG + "  public.ghosts:\n    strategy: empty\n  ghost.town: {}\n"
    r = dry_run(privaci, write_config, dbs, config)
    assert_preflight_failure(
        r, 3, "config_tables", "Validating configured tables against the source catalog",
        "Tables in config are absent from the source: ghost.town (line 15, column 3), "
        "public.ghosts (line 13, column 3)",
        "Fix table names in mask-rules.yaml or load the missing tables.")
    assert dbs.target_state() == before


def test_partition_child_configured(privaci, write_config, dbs):
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs, CONFIG + "  public.events_2025:\n    batch_size: 10\n")
    assert_preflight_failure(
        r, 3, "partition_config", "Validating partition table configuration",
        "Per-partition strategy overrides are not supported: public.events_2025 "
        "(line 13, column 3)",
        "Configure the partitioned parent table; children inherit its strategy.")
    assert dbs.target_state() == before


def test_configured_column_missing(privaci, write_config, dbs):
    before = dbs.target_state()
    config = CONFIG.replace("      id: { action: passthrough }\n",
                            "      id: { action: passthrough }\n      phone: { action: hash }\n")
    r = dry_run(privaci, write_config, dbs, config)
    assert_preflight_failure(
        r, 3, "config_columns", "Validating configured columns against the source catalog",
        "Columns in config are absent from the source: public.users.phone (line 9, column 7)",
        "Fix column names in mask-rules.yaml.")
    assert dbs.target_state() == before


def test_null_action_on_not_null_column(privaci, write_config, dbs):
    before = dbs.target_state()
    config = CONFIG.replace("email: { action: fake, provider: email }", 'email: { action: "null" }')
    r = dry_run(privaci, write_config, dbs, config)
    assert_preflight_failure(
        r, 3, "null_actions", "Validating null actions",
        "Action 'null' targets NOT NULL columns: tables.public.users.columns.email "
        "(line 6, column 7)",
        "Use a non-null action (fake, static, hash) or alter the source column to be nullable; "
        "see docs/configuration.md#actions.")
    assert dbs.target_state() == before


def test_excluded_table_referenced_by_not_null_fk(privaci, write_config, dbs):
    before = dbs.target_state()
    config = CONFIG.replace("  public.users:\n", "  public.users:\n    strategy: exclude\n")
    r = dry_run(privaci, write_config, dbs, config)
    assert_preflight_failure(
        r, 3, "orphan_fks", "Validating exclude strategy",
        "Excluded table is referenced by NOT NULL FKs: public.orders.user_id",
        "Set strategy: empty on the referencing tables, or stream public.users "
        "(strategy: transform).")
    assert dbs.target_state() == before


def test_emptied_table_with_nullable_references_needs_null_orphan_fks(privaci, write_config,
                                                                        dbs):
    before = dbs.target_state()
    config = CONFIG.replace("  public.users:\n", "  public.users:\n    strategy: empty\n")
    config += "  public.orders:\n    strategy: empty\n"
    r = dry_run(privaci, write_config, dbs, config)
    assert_preflight_failure(
        r, 3, "orphan_fks", "Validating exclude strategy",
        "Tables referencing public.users (strategy empty) need null_orphan_fks: "
        "public.notes.user_id",
        "Set null_orphan_fks: true on the referencing tables, or stream public.users "
        "(strategy: transform).")
    assert dbs.target_state() == before


def test_null_orphan_fks_nulls_the_references(privaci, write_config, dbs):
    config = CONFIG.replace("  public.users:\n", "  public.users:\n    strategy: exclude\n")
    config += ("  public.orders:\n    strategy: empty\n"
               "  public.notes:\n    null_orphan_fks: true\n")
    r = dry_run(privaci, write_config, dbs, config)
    assert r.code == 0, r
    assert "  public.notes: strategy=transform (~10 rows, batch 5000)\n" \
           "      mask: user_id -> null (null_orphan_fks)\n" in r.stderr
    # The excluded users table shows no column lines; the emptied orders one shows its strategy.
    assert "  public.users: strategy=exclude (~40 rows)\n  billing" not in r.stderr
    assert "  public.orders: strategy=empty (~30 rows)\n" in r.stderr


def test_exclude_is_fine_when_no_row_references(privaci, write_config, source_cluster,
                                                target_cluster):
    """catalog-and-schema.md §6.2 row 1: an empty referencing table cannot dangle."""
    pair = Dbs(source_cluster, target_cluster,
               source_sql=SOURCE_SQL + "TRUNCATE public.orders; UPDATE public.notes"
                                       " SET user_id = NULL;")
    try:
        config = CONFIG.replace("  public.users:\n", "  public.users:\n    strategy: exclude\n")
        r = dry_run(privaci, write_config, pair, config)
        assert r.code == 0, r
    finally:
        pair.drop()


# ------------------------------------------------------------ source side

def test_source_role_without_select(privaci, write_config, dbs, roles):
    reader, quoted = roles.create(dbs.source, "pv_reader")
    with dbs.source.connect(dbs.source_db) as conn:
        conn.execute(f"GRANT USAGE ON SCHEMA billing TO {quoted};"
                     f" GRANT SELECT ON public.notes, public.events_2024, public.events_2025"
                     f" TO {quoted}")
    before = dbs.target_state()
    config = CONFIG.replace("  billing.invoices:\n    strategy: exclude\n", "")
    r = dry_run(privaci, write_config, dbs, config, source=dbs.source_url(reader))
    assert_preflight_failure(
        r, 2, "source_privileges", "Checking source table privileges",
        "The source role cannot read 3 in-scope table(s): billing.invoices, public.orders, "
        "public.users.",
        f'Run on the source as the objects\' owner: GRANT SELECT ON "billing"."invoices" TO '
        f'{quoted}; GRANT SELECT ON "public"."orders" TO {quoted}; '
        f'GRANT SELECT ON "public"."users" TO {quoted};')
    assert dbs.target_state() == before


def test_source_role_without_schema_usage(privaci, write_config, dbs, roles):
    reader, quoted = roles.create(dbs.source, "pv_reader")
    with dbs.source.connect(dbs.source_db) as conn:
        conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public, billing TO {quoted}")
    config = CONFIG.replace("  billing.invoices:\n    strategy: exclude\n", "")
    r = dry_run(privaci, write_config, dbs, config, source=dbs.source_url(reader))
    assert_preflight_failure(
        r, 2, "source_privileges", "Checking source table privileges",
        "The source role cannot read 1 in-scope table(s): billing.invoices.",
        f'Run on the source as the objects\' owner: GRANT USAGE ON SCHEMA "billing" TO {quoted};')


def test_source_privileges_cover_only_streamed_units(privaci, write_config, dbs, roles):
    """Excluded and emptied tables are not read; partitioned parents are read through children."""
    reader, quoted = roles.create(dbs.source, "pv_reader")
    with dbs.source.connect(dbs.source_db) as conn:
        conn.execute(f"GRANT SELECT ON public.users, public.notes, public.events_2024,"
                     f" public.events_2025 TO {quoted}")
    config = CONFIG + "  public.orders:\n    strategy: empty\n"
    r = dry_run(privaci, write_config, dbs, config, source=dbs.source_url(reader))
    assert r.code == 0, r


def test_source_unreachable(privaci, write_config, dbs):
    before = dbs.target_state()
    bad = f"postgresql://postgres@/nope_{uuid.uuid4().hex[:6]}?host={dbs.source.socket_dir}" \
          f"&port={dbs.source.port}"
    r = dry_run(privaci, write_config, dbs, source=bad)
    assert_preflight_failure(r, 2, "source_connect", "Connecting to the source database",
                             "The source database is not reachable.",
                             "Verify SOURCE_DB_URL and that the database is running.")
    assert dbs.target_state() == before


def test_sub_partitioning_in_scope_fails_and_excluded_warns(privaci, write_config,
                                                              source_cluster, target_cluster):
    sql = SOURCE_SQL + """
CREATE TABLE public.tree (k int NOT NULL, v int NOT NULL) PARTITION BY LIST (k);
CREATE TABLE public.tree_a PARTITION OF public.tree FOR VALUES IN (1) PARTITION BY LIST (v);
CREATE TABLE public.tree_a1 PARTITION OF public.tree_a FOR VALUES IN (1);
ANALYZE;
"""
    pair = Dbs(source_cluster, target_cluster, source_sql=sql)
    try:
        before = pair.target_state()
        r = dry_run(privaci, write_config, pair)
        assert_preflight_failure(
            r, 2, "sub_partitioning", "Checking native table partitioning",
            "Sub-partitioned tables are not supported: public.tree_a",
            "Flatten partitioning to a single level or exclude sub-partitioned tables from the "
            "run.")
        assert pair.target_state() == before
        r = dry_run(privaci, write_config, pair, CONFIG + "  public.tree:\n    strategy: exclude\n")
        assert r.code == 0, r
        line = ("Warning: [sub_partitioning] Table public.tree_a is sub-partitioned; v1.0 "
                "supports only single-level partitioning.")
        assert line in r.stderr.splitlines()
        warns = [e for e in events_of(r.stdout) if e["event"] == "warning"]
        assert {"code": "sub_partitioning", "table_id": "public.tree_a"}.items() <= \
               next(w for w in warns if w["code"] == "sub_partitioning").items()
    finally:
        pair.drop()


def test_never_analyzed_is_a_warning(privaci, write_config, source_cluster, target_cluster):
    pair = Dbs(source_cluster, target_cluster,
               source_sql=SOURCE_SQL + "CREATE TABLE public.fresh (id int);")
    try:
        r = dry_run(privaci, write_config, pair)
        assert r.code == 0, r
        msg = ("Table public.fresh has never been analyzed; run ANALYZE for better batch "
               "sizing.")
        assert f"Warning: [never_analyzed] {msg}" in r.stderr.splitlines()
        assert "  public.fresh: strategy=transform (~unknown rows, batch 5000)\n" in r.stderr
        warn = [e for e in events_of(r.stdout) if e["event"] == "warning"]
        assert [(w["level"], w["code"], w["message"], w["table_id"]) for w in warn] == [
            ("warning", "never_analyzed", msg, "public.fresh")]
    finally:
        pair.drop()


def test_identifier_with_control_character(privaci, write_config, source_cluster,
                                           target_cluster):
    pair = Dbs(source_cluster, target_cluster,
               source_sql=SOURCE_SQL + 'CREATE TABLE public."bad\tname" (id int);')
    try:
        before = pair.target_state()
        r = dry_run(privaci, write_config, pair)
        block = assert_preflight_failure(
            r, 2, "identifier_safety", "Quoting a SQL identifier",
            "Identifier 'bad\\x09name' contains a control character.")
        assert block["remediation"] == "Rename the offending object in the source database."
        assert pair.target_state() == before
    finally:
        pair.drop()


def test_disk_advisory_warning(privaci, write_config, dbs):
    with dbs.source.connect(dbs.source_db) as conn:
        conn.execute("UPDATE pg_class SET reltuples = 60000000"
                     " WHERE oid = 'public.orders'::regclass")
    r = dry_run(privaci, write_config, dbs)
    assert r.code == 0, r
    # Streaming units only: users 40, orders 60,000,000, notes 10, events children 300.
    msg = ("Estimated source rows (60,000,350) exceed the MVP disk advisory threshold; verify "
           "target free space before proceeding.")
    assert f"Warning: [disk_advisory] {msg}" in r.stderr.splitlines()
    ok = preflight_event(r.stdout, "preflight.ok")
    assert {"name": "disk_advisory", "status": "warn", "detail": msg} in ok["checks"]
    warns = [e for e in events_of(r.stdout) if e["event"] == "warning"]
    assert [(w["code"], w["message"]) for w in warns] == [("disk_advisory", msg)]


def test_configured_feature_unavailable(privaci, write_config, dbs):
    before = dbs.target_state()
    config = CONFIG + ("  public.notes:\n    columns:\n      body:\n        action: json_mask\n"
                       "        rules:\n          - { path: \"$.a\", action: hash }\n")
    r = dry_run(privaci, write_config, dbs, config)
    assert_preflight_failure(
        r, 3, "configured_features", "Checking configured features",
        "json_mask is not available in this build: tables.public.notes.columns.body "
        "(line 15, column 7)",
        "Remove it from mask-rules.yaml or upgrade privaci.")
    assert dbs.target_state() == before


def test_ner_mask_needs_the_model(privaci, write_config, dbs, tmp_path):
    config = CONFIG + "  public.notes:\n    columns:\n      body: { action: ner_mask }\n"
    (tmp_path / "autodetect").symlink_to(REPO / "data" / "autodetect")  # the patterns, no model
    r = dry_run(privaci, write_config, dbs, config, env={"PRIVACI_DATA_DIR": str(tmp_path)})
    assert_preflight_failure(r, 2, "ner_model", "Loading the NER model",
                             f"The NER model at {tmp_path}/ner could not be loaded.",
                             "Install the privaci data files or set PRIVACI_DATA_DIR.")


def test_strict_autodetect(privaci, write_config, dbs, tmp_path):
    before = dbs.target_state()
    # Every high/medium finding of the source is covered (zip and note are low): strict passes.
    r = dry_run(privaci, write_config, dbs, CONFIG, "--strict-autodetect")
    assert r.code == 0, r
    checks = {c["name"]: c["status"] for c in preflight_event(r.stdout, "preflight.ok")["checks"]}
    assert checks["strict_autodetect"] == "ok"
    # An uncovered phone column fails it (the full texts: test_autodetect.py).
    with dbs.source.connect(dbs.source_db) as conn:
        conn.execute("ALTER TABLE public.orders ADD COLUMN phone text")
    r = dry_run(privaci, write_config, dbs, CONFIG, "--strict-autodetect")
    block = assert_preflight_failure(
        r, 3, "strict_autodetect", "Validating strict auto-detect coverage",
        "Uncovered PII columns: public.orders.phone")
    assert "--no-strict-autodetect" in block["remediation"]
    # With --report the report is written first, then the strict check fails (cli.md §3.2).
    dest = tmp_path / "r.md"
    r = dry_run(privaci, write_config, dbs, "strict_autodetect: true\n" + CONFIG,
                "--report", str(dest))
    assert r.code == 3, r
    assert dest.is_file() and "Strict mode: on\n" in dest.read_text()
    assert f"Wrote detection report to {dest}" in r.stderr
    assert "Dry run complete" not in r.stderr
    assert preflight_event(r.stdout, "preflight.ok")
    # The flag turns it off again.
    r = dry_run(privaci, write_config, dbs, "strict_autodetect: true\n" + CONFIG,
                "--no-strict-autodetect")
    assert r.code == 0, r
    assert dbs.target_state() == before


def test_extension_missing_on_target(privaci, write_config, dbs):
    """The source has an extension installed whose files the target server lacks.

    Both test clusters share one PostgreSQL installation, so every contrib
    extension is available to both. The source's pg_extension row of citext
    is renamed (a superuser catalog update) to a name no installation ships:
    the source then reports an installed extension `pv_missing_ext` — used by
    a citext column — that pg_available_extensions on the target does not
    list, exactly the situation the check exists for.
    """
    with dbs.source.connect(dbs.source_db) as conn:
        conn.execute("CREATE EXTENSION citext; ALTER TABLE public.users ADD COLUMN handle citext;"
                     " ANALYZE public.users")
    r = dry_run(privaci, write_config, dbs)
    assert r.code == 0, r  # available on the target: passes
    with dbs.source.connect(dbs.source_db) as conn:
        conn.execute("UPDATE pg_extension SET extname = 'pv_missing_ext' WHERE extname = 'citext'")
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs)
    assert_preflight_failure(
        r, 2, "target_extensions", "Checking target extensions",
        "Extension pv_missing_ext required by public.users.handle is not available on the "
        "target.",
        "Install the extension package on the target server.")
    assert dbs.target_state() == before


def test_pg_dump_too_old(privaci, write_config, dbs, tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 11.0'\n")
    fake.chmod(0o755)
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs, env={"PRIVACI_PG_DUMP": str(fake)})
    assert_preflight_failure(r, 2, "pg_dump_version", "Checking pg_dump compatibility",
                             "pg_dump 11.0 cannot dump a 15 server.",
                             "Install a pg_dump of major version \u2265 15.")
    assert dbs.target_state() == before


# ------------------------------------------------------------ target side

def test_target_role_without_create(privaci, write_config, dbs, roles):
    writer, _ = roles.create(dbs.target, "pv_writer")
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs, target=dbs.target_url(writer))
    assert_preflight_failure(
        r, 2, "target_privileges", "Checking target database write permissions",
        "Current user cannot CREATE SCHEMA on the target database.",
        "Grant CREATE on the target database, or pre-create the _privaci schema with sufficient "
        "privileges.")
    assert dbs.target_state() == before


@pytest.mark.parametrize("policy,schemas", [("fail", "billing"),
                                            ("drop_create", "billing, public")])
def test_target_role_cannot_create_needed_schemas(privaci, write_config, dbs, roles, policy,
                                                  schemas):
    writer, quoted = roles.create(dbs.target, "pv_writer")
    with dbs.target.connect(dbs.target_db) as conn:
        conn.execute(f"CREATE SCHEMA _privaci; GRANT USAGE, CREATE ON SCHEMA _privaci TO {quoted}")
    config = CONFIG.replace("  billing.invoices:\n    strategy: exclude\n", "")
    config = f"on_existing_data: {policy}\n" + config
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs, config, target=dbs.target_url(writer))
    assert_preflight_failure(
        r, 2, "target_schema_privileges", "Checking target database write permissions",
        f"The target role cannot create schema(s) {schemas}: it lacks CREATE on database "
        f"{dbs.target_db}.",
        f'GRANT CREATE ON DATABASE "{dbs.target_db}" TO {quoted};')
    assert dbs.target_state() == before
    with dbs.target.connect(dbs.target_db) as conn:
        conn.execute("DROP SCHEMA _privaci")


def test_non_empty_target_warns_in_dry_run_and_fails_a_run(privaci, write_config,
                                                            source_cluster, target_cluster):
    pair = Dbs(source_cluster, target_cluster,
               target_sql="CREATE TABLE public.keep_me (id int PRIMARY KEY);"
                          "INSERT INTO public.keep_me VALUES (1);"
                          "CREATE SCHEMA _privaci; CREATE TABLE _privaci.ignored (x int);")
    try:
        before = pair.target_state()
        r = dry_run(privaci, write_config, pair)
        assert r.code == 0, r
        msg = ("Target has 1 user table(s) outside _privaci; a real run will fail with "
               "on_existing_data: fail unless the target is emptied or the policy is changed.")
        assert f"Warning: {msg}" in r.stderr.splitlines()
        warns = [e for e in events_of(r.stdout) if e["event"] == "warning"]
        assert [(w["code"], w["message"]) for w in warns] == [("target_not_empty", msg)]
        ok = preflight_event(r.stdout, "preflight.ok")
        assert ok["checks"][-1] == {"name": "on_existing_data", "status": "warn", "detail": msg}
        assert pair.target_state() == before

        cfg = write_config(CONFIG, name="run.yaml")
        r = probe("run", cfg, pair.source_url(), pair.target_url())
        assert_preflight_failure(
            r, 2, "on_existing_data", "Checking target database is empty",
            "Target contains 1 user table(s) outside _privaci and on_existing_data is fail.",
            "Use an empty target database, or set on_existing_data to truncate or drop_create "
            "in mask-rules.yaml.")
        assert pair.target_state() == before
        # A policy that allows existing data passes.
        cfg = write_config("on_existing_data: truncate\n" + CONFIG, name="truncate.yaml")
        assert probe("run", cfg, pair.source_url(), pair.target_url()).returncode == 0
    finally:
        pair.drop()


def test_run_lock_held_by_another_session(write_config, dbs):
    cfg = write_config(CONFIG)
    before = dbs.target_state()
    with dbs.target.connect(dbs.target_db) as holder:
        holder.execute("SELECT pg_advisory_lock(1886546294, 1633904945)")
        r = probe("run", cfg, dbs.source_url(), dbs.target_url())
        assert_preflight_failure(r, 2, "run_lock", "Acquiring the target run lock",
                                 "Another privaci run or resume is active on this target.",
                                 "Wait for it to finish, or stop it.")
        ev = preflight_event(r.stdout, "preflight.fail")
        assert [c["name"] for c in ev["checks"]] == ["source_connect", "target_connect",
                                                     "run_lock"]
    assert dbs.target_state() == before


def test_dry_run_ignores_the_run_lock(privaci, write_config, dbs):
    with dbs.target.connect(dbs.target_db) as holder:
        holder.execute("SELECT pg_advisory_lock(1886546294, 1633904945)")
        r = dry_run(privaci, write_config, dbs)
        assert r.code == 0, r


def test_newer_state_schema_version(privaci, write_config, dbs):
    with dbs.target.connect(dbs.target_db) as conn:
        conn.execute("CREATE SCHEMA _privaci; CREATE TABLE _privaci.schema_metadata"
                     " (singleton boolean PRIMARY KEY DEFAULT true, schema_version int NOT NULL,"
                     " engine_version text NOT NULL, created_at timestamptz NOT NULL"
                     " DEFAULT now()); INSERT INTO _privaci.schema_metadata"
                     " (schema_version, engine_version) VALUES (2, 'future')")
    before = dbs.target_state()
    cause = "target was initialized by a newer engine (schema v2 > supported v1)."
    for result in (dry_run(privaci, write_config, dbs),
                   probe("run", write_config(CONFIG, name="run.yaml"), dbs.source_url(),
                         dbs.target_url())):
        block = assert_preflight_failure(
            result, 2, "target_privileges", "Verifying the _privaci state schema version", cause,
            "Pin to the matching engine version or run migrations.")
        assert block["see"] == ANCHOR_2
    assert dbs.target_state() == before


def test_resume_mode_gate_finds_no_run(write_config, dbs):
    # The gate itself is tested with real runs in test_resume.py.
    cfg = write_config(CONFIG)
    r = probe("resume", cfg, dbs.source_url(), dbs.target_url())
    assert_preflight_failure(r, 2, "resume_gate", "Validating resume prerequisites",
                             "No incomplete run was found in the target database.",
                             "Start a fresh run with `privaci run`.")

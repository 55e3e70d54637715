"""The `_privaci` state module against a real target (spec/state.md §1–§6).

`privaci run` does not reach the state module in this build, so these tests
drive it through the probe mode of the state unit-test executable
(tests/unit/test_state.c, `test_state probe <action> <conninfo> [args]`),
which calls the C API directly: schema creation and its idempotence, the
`runs.plan` migration of an older schema, the version gate, the CREATE
privilege error, the run lock (`run` once, `resume` waiting), run rows,
checkpoints and audit rows. Every assertion reads the database itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PG_BINDIR = Path("/usr/lib/postgresql/15/bin")
LOCK_SQL = "SELECT pg_advisory_lock(1886546294, 1633904945)"
UNLOCK_SQL = "SELECT pg_advisory_unlock(1886546294, 1633904945)"


def build_dir() -> Path:
    binary = os.environ.get("PRIVACI_BIN")
    return Path(binary).resolve().parent if binary else REPO / "build"


def probe(*args, timeout: float = 90) -> subprocess.CompletedProcess:
    exe = build_dir() / "tests" / "unit" / "test_state"
    if not exe.is_file():
        pytest.fail(f"{exe} not found; build the unit tests (ninja -C build)", pytrace=False)
    return subprocess.run([str(exe), "probe", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"})


def ccr(stderr: str) -> dict:
    lines = stderr.strip("\n").split("\n")
    block = {}
    for key, label in (("context", "Context: "), ("cause", "Cause: "),
                       ("remediation", "Remediation: "), ("see", "See: ")):
        line = next(line for line in lines if line.startswith(label))
        block[key] = line[len(label):]
    return block


def _stable(dump: str) -> str:
    """pg_dump ≥ 15.14 brackets its output with random \\restrict keys; drop them."""
    return "".join(line for line in dump.splitlines(keepends=True)
                   if not line.startswith(("\\restrict ", "\\unrestrict ")))


def schema_dump(cluster, db: str) -> str:
    """pg_dump of _privaci's DDL (empty when the schema does not exist)."""
    out = subprocess.run(
        [str(PG_BINDIR / "pg_dump"), "--schema-only", "--schema=_privaci", "-h",
         str(cluster.socket_dir), "-p", str(cluster.port), "-U", cluster.user, "-d", db],
        capture_output=True, text=True, check=True)
    return _stable(out.stdout)


def full_dump(cluster, db: str) -> str:
    out = subprocess.run(
        [str(PG_BINDIR / "pg_dump"), "-h", str(cluster.socket_dir), "-p", str(cluster.port),
         "-U", cluster.user, "-d", db], capture_output=True, text=True, check=True)
    return _stable(out.stdout)


@pytest.fixture
def target_db(target_cluster):
    name = f"state_{uuid.uuid4().hex[:8]}"
    target_cluster.create_db(name)
    yield name
    target_cluster.drop_db(name)


@pytest.fixture
def role(target_cluster):
    """A login role without CREATE on any database; dropped afterwards."""
    name = f'pv "Writer" {uuid.uuid4().hex[:6]}'
    quoted = '"' + name.replace('"', '""') + '"'
    with target_cluster.connect("postgres") as conn:
        conn.execute(f"CREATE ROLE {quoted} LOGIN")
    yield name, quoted
    with target_cluster.connect("postgres") as conn:
        conn.execute(f"DROP ROLE IF EXISTS {quoted}")


def conninfo(cluster, db: str, user: str | None = None) -> str:
    user = user or cluster.user
    escaped = user.replace("\\", "\\\\").replace("'", "\\'")
    return f"host={cluster.socket_dir} port={cluster.port} user='{escaped}' dbname={db}"


# ------------------------------------------------------------------ DDL

EXPECTED_COLUMNS = {
    "schema_metadata": [
        ("singleton", "boolean", "NO", "true"),
        ("schema_version", "integer", "NO", None),
        ("engine_version", "text", "NO", None),
        ("created_at", "timestamp with time zone", "NO", "now()"),
    ],
    "runs": [
        ("run_id", "uuid", "NO", None),
        ("started_at", "timestamp with time zone", "NO", "now()"),
        ("ended_at", "timestamp with time zone", "YES", None),
        ("status", "text", "NO", "'in_progress'::text"),
        ("engine_version", "text", "NO", None),
        ("config_hash", "text", "NO", None),
        ("salt_fingerprint", "text", "NO", None),
        ("source_db_hash", "text", "NO", None),
        ("source_schema_snapshot", "jsonb", "YES", None),
        ("summary", "jsonb", "YES", None),
        ("plan", "jsonb", "YES", None),
    ],
    "table_checkpoints": [
        ("run_id", "uuid", "NO", None),
        ("schema_name", "text", "NO", None),
        ("table_name", "text", "NO", None),
        ("status", "text", "NO", "'pending'::text"),
        ("last_pk_value", "text", "YES", None),
        ("rows_processed", "bigint", "NO", "0"),
        ("last_update_at", "timestamp with time zone", "NO", "now()"),
    ],
    "audit_log": [
        ("audit_id", "uuid", "NO", None),
        ("run_id", "uuid", "NO", None),
        ("event_at", "timestamp with time zone", "NO", "now()"),
        ("level", "text", "NO", "'info'::text"),
        ("event_type", "text", "NO", None),
        ("schema_name", "text", "YES", None),
        ("table_name", "text", "YES", None),
        ("column_name", "text", "YES", None),
        ("payload", "jsonb", "NO", "'{}'::jsonb"),
    ],
}


def columns_of(conn, table: str):
    return [tuple(r) for r in conn.execute(
        "SELECT column_name, data_type, is_nullable, column_default"
        " FROM information_schema.columns WHERE table_schema = '_privaci' AND table_name = %s"
        " ORDER BY ordinal_position", (table,)).fetchall()]


def constraints_of(conn, table: str):
    return sorted(tuple(r) for r in conn.execute(
        "SELECT conname, contype::text, pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = ('_privaci.' || %s)::regclass", (table,)).fetchall())


def test_ddl_matches_the_spec(target_cluster, target_db):
    r = probe("ensure", conninfo(target_cluster, target_db), "9.9.9")
    assert r.returncode == 0, r.stderr
    with target_cluster.connect(target_db) as conn:
        tables = sorted(r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = '_privaci'").fetchall())
        assert tables == sorted(EXPECTED_COLUMNS)
        for table, expected in EXPECTED_COLUMNS.items():
            assert columns_of(conn, table) == expected, table

        meta = constraints_of(conn, "schema_metadata")
        assert ("schema_metadata_singleton", "c", "CHECK (singleton)") in meta
        assert ("schema_metadata_pkey", "p", "PRIMARY KEY (singleton)") in meta
        runs = constraints_of(conn, "runs")
        assert ("runs_pkey", "p", "PRIMARY KEY (run_id)") in runs
        assert any(c[1] == "c" and "'in_progress'::text, 'succeeded'::text, 'failed'::text, "
                   "'interrupted'::text" in c[2] for c in runs), runs
        ckpt = constraints_of(conn, "table_checkpoints")
        assert ("table_checkpoints_pkey", "p",
                "PRIMARY KEY (run_id, schema_name, table_name)") in ckpt
        assert any(c[1] == "f" and c[2] == "FOREIGN KEY (run_id) REFERENCES _privaci.runs(run_id)"
                   " ON DELETE CASCADE" for c in ckpt), ckpt
        assert any(c[1] == "c" and "'pending'::text, 'in_progress'::text, 'done'::text, "
                   "'failed'::text" in c[2] for c in ckpt), ckpt
        audit = constraints_of(conn, "audit_log")
        assert ("audit_log_pkey", "p", "PRIMARY KEY (audit_id)") in audit
        assert any(c[1] == "f" and "ON DELETE CASCADE" in c[2] for c in audit), audit
        assert any(c[1] == "c" and "'info'::text, 'warning'::text, 'error'::text" in c[2]
                   for c in audit), audit

        indexes = {r[0]: r[1] for r in conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = '_privaci'").fetchall()}
        assert indexes["runs_source_db_hash_idx"].endswith(
            "ON _privaci.runs USING btree (source_db_hash)")
        assert indexes["audit_log_run_id_idx"].endswith("ON _privaci.audit_log USING btree (run_id)")

        row = conn.execute("SELECT singleton, schema_version, engine_version"
                           " FROM _privaci.schema_metadata").fetchall()
        assert row == [(True, 1, "9.9.9")]


def test_ddl_is_idempotent(target_cluster, target_db):
    info = conninfo(target_cluster, target_db)
    assert probe("ensure", info, "1.0.0").returncode == 0
    first = schema_dump(target_cluster, target_db)
    with target_cluster.connect(target_db) as conn:
        meta = conn.execute("SELECT * FROM _privaci.schema_metadata").fetchall()
    r = probe("ensure", info, "2.0.0")
    assert r.returncode == 0, r.stderr
    assert schema_dump(target_cluster, target_db) == first
    with target_cluster.connect(target_db) as conn:
        # First writer wins: the row (engine_version, created_at) is unchanged.
        assert conn.execute("SELECT * FROM _privaci.schema_metadata").fetchall() == meta
    assert probe("version", info).stdout == "1\n"


ORIGINAL_SCHEMA = """
CREATE SCHEMA _privaci;
CREATE TABLE _privaci.schema_metadata (
  singleton boolean DEFAULT true PRIMARY KEY CONSTRAINT schema_metadata_singleton CHECK (singleton),
  schema_version integer NOT NULL, engine_version text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE _privaci.runs (
  run_id uuid PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now(), ended_at timestamptz,
  status text NOT NULL DEFAULT 'in_progress', engine_version text NOT NULL,
  config_hash text NOT NULL, salt_fingerprint text NOT NULL, source_db_hash text NOT NULL,
  source_schema_snapshot jsonb, summary jsonb);
INSERT INTO _privaci.schema_metadata (schema_version, engine_version) VALUES (%d, 'original-1.0.2');
INSERT INTO _privaci.runs (run_id, engine_version, config_hash, salt_fingerprint, source_db_hash)
  VALUES ('00000000-0000-7000-8000-000000000001', 'original-1.0.2', 'c', 's', 'd');
"""


def test_older_schema_gains_plan_column(target_cluster, target_db):
    with target_cluster.connect(target_db) as conn:
        conn.execute(ORIGINAL_SCHEMA % 1)
    r = probe("ensure", conninfo(target_cluster, target_db))
    assert r.returncode == 0, r.stderr
    with target_cluster.connect(target_db) as conn:
        assert columns_of(conn, "runs")[-1] == ("plan", "jsonb", "YES", None)
        # Still schema version 1, still the original's row; its run survives.
        assert conn.execute("SELECT schema_version, engine_version FROM"
                            " _privaci.schema_metadata").fetchall() == [(1, "original-1.0.2")]
        assert conn.execute("SELECT count(*) FROM _privaci.runs").fetchone()[0] == 1
        for table in ("table_checkpoints", "audit_log"):
            assert columns_of(conn, table) == EXPECTED_COLUMNS[table]


def test_newer_schema_version_is_refused_untouched(target_cluster, target_db):
    with target_cluster.connect(target_db) as conn:
        conn.execute(ORIGINAL_SCHEMA % 2)
    before = full_dump(target_cluster, target_db)
    r = probe("ensure", conninfo(target_cluster, target_db))
    assert r.returncode == 2, r.stderr
    assert ccr(r.stderr) == {
        "context": "Verifying the _privaci state schema version",
        "cause": "target was initialized by a newer engine (schema v2 > supported v1).",
        "remediation": "Pin to the matching engine version or run migrations.",
        "see": "docs/error-codes.md#exit-code-2-pre-flight-failure",
    }
    # Not even the plan column was added.
    assert full_dump(target_cluster, target_db) == before


def test_create_without_privilege_is_exit_2(target_cluster, target_db, role):
    name, quoted = role
    r = probe("ensure", conninfo(target_cluster, target_db, name))
    assert r.returncode == 2, r.stderr
    block = ccr(r.stderr)
    assert block["context"] == "Creating the _privaci state schema"
    assert block["cause"] == "The target role lacks CREATE privilege on the database."
    assert block["remediation"] == ("Grant CREATE on the target database, e.g. GRANT CREATE ON "
                                    f'DATABASE "{target_db}" TO {quoted};')
    with target_cluster.connect(target_db) as conn:
        assert conn.execute("SELECT to_regnamespace('_privaci')").fetchone()[0] is None


def test_precreated_schema_is_enough(target_cluster, target_db, role):
    """state.md §1's remediation: pre-create _privaci for a role without CREATE on the db."""
    name, quoted = role
    with target_cluster.connect(target_db) as conn:
        conn.execute(f"CREATE SCHEMA _privaci; GRANT USAGE, CREATE ON SCHEMA _privaci TO {quoted}")
    r = probe("ensure", conninfo(target_cluster, target_db, name))
    assert r.returncode == 0, r.stderr
    with target_cluster.connect(target_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = '_privaci'"
                            ).fetchone()[0] == 4
    # The role can also run its run's writes there.
    r = probe("lifecycle", conninfo(target_cluster, target_db, name), "1")
    assert r.returncode == 0, r.stderr
    with target_cluster.connect(target_db) as conn:
        conn.execute("DROP SCHEMA _privaci CASCADE")  # so the role can be dropped


# ------------------------------------------------------------------ lock

LOCK_ERROR = {
    "context": "Acquiring the target run lock",
    "cause": "Another privaci run or resume is active on this target.",
    "remediation": "Wait for it to finish, or stop it.",
    "see": "docs/error-codes.md#exit-code-2-pre-flight-failure",
}


def test_run_lock_fails_at_once_when_held(target_cluster, target_db):
    with target_cluster.connect(target_db) as holder:
        holder.execute(LOCK_SQL)
        start = time.monotonic()
        r = probe("lock", conninfo(target_cluster, target_db), 0)
        assert time.monotonic() - start < 2
        assert r.returncode == 2, r.stderr
        assert ccr(r.stderr) == LOCK_ERROR
        holder.execute(UNLOCK_SQL)
    r = probe("lock", conninfo(target_cluster, target_db), 0)
    assert r.returncode == 0 and r.stdout == "locked\n", r.stderr


def test_resume_lock_waits_for_the_holder(target_cluster, target_db):
    with target_cluster.connect(target_db) as holder:
        holder.execute(LOCK_SQL)
        timer = threading.Timer(2.5, lambda: holder.execute(UNLOCK_SQL))
        timer.start()
        start = time.monotonic()
        r = probe("lock", conninfo(target_cluster, target_db), 30)
        elapsed = time.monotonic() - start
        timer.join()
    assert r.returncode == 0, r.stderr
    assert 2 <= elapsed < 10, elapsed


def test_resume_lock_gives_up_after_its_wait(target_cluster, target_db):
    with target_cluster.connect(target_db) as holder:
        holder.execute(LOCK_SQL)
        start = time.monotonic()
        r = probe("lock", conninfo(target_cluster, target_db), 2)
        elapsed = time.monotonic() - start
    assert r.returncode == 2
    assert ccr(r.stderr) == LOCK_ERROR
    assert 2 <= elapsed < 6, elapsed


def test_lock_is_the_specified_advisory_lock_held_by_the_session(target_cluster, target_db):
    proc = subprocess.Popen(
        [str(build_dir() / "tests" / "unit" / "test_state"), "probe", "lock",
         conninfo(target_cluster, target_db), "0", "4"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline() == "locked\n"
        with target_cluster.connect(target_db) as conn:
            rows = conn.execute(
                "SELECT classid::bigint, objid::bigint, objsubid, granted FROM pg_locks"
                " WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())").fetchall()
            assert rows == [(1886546294, 1633904945, 2, True)]
            assert conn.execute("SELECT pg_try_advisory_lock(1886546294, 1633904945)"
                                ).fetchone()[0] is False
    finally:
        proc.wait(timeout=30)
    # Released with the session.
    assert probe("lock", conninfo(target_cluster, target_db), 0).returncode == 0


# ------------------------------------------------------------ lifecycle

def lifecycle(target_cluster, target_db, audit: bool) -> tuple[str, dict]:
    r = probe("lifecycle", conninfo(target_cluster, target_db), "1" if audit else "0")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    run_id = lines[0]["run_id"]
    steps = {line["step"]: line for line in lines if "step" in line}
    return run_id, steps


def test_run_rows_checkpoints_and_audit(target_cluster, target_db):
    run_id, steps = lifecycle(target_cluster, target_db, audit=True)
    assert uuid.UUID(run_id).version == 7
    for name in ("phase_pre_data", "phase_data", "ckpt_start", "ckpt_batch1", "ckpt_batch2",
                 "ckpt_finalize", "ckpt_seed_composite", "ckpt_finalize_composite", "ckpt_empty",
                 "ckpt_fail_unstarted", "audit_masked", "audit_failed", "audit_warning",
                 "run_finish", "run_reopen"):
        assert steps[name]["ok"], steps[name]
    assert steps["ckpt_finalize_missing"] == {
        "step": "ckpt_finalize_missing", "ok": False, "exit_code": 1,
        "context": "Finalizing a table checkpoint",
        "cause": "No checkpoint row matched table 'public.nope'."}
    assert steps["audit_refused"] == {
        "step": "audit_refused", "ok": False, "exit_code": 1,
        "context": "Writing an audit-log entry", "cause": "The audit row could not be written."}
    assert steps["run_finish_missing"]["context"] == "Recording run completion in _privaci.runs"

    with target_cluster.connect(target_db) as conn:
        run = conn.execute(
            "SELECT status, ended_at, engine_version, config_hash, salt_fingerprint,"
            " source_db_hash, source_schema_snapshot, summary, plan FROM _privaci.runs"
            " WHERE run_id = %s", (run_id,)).fetchone()
        status, ended_at, engine, config_hash, salt_fp, source_hash, snapshot, summary, plan = run
        # finish(succeeded) then reopen (resume): in_progress again, ended_at cleared.
        assert (status, ended_at) == ("in_progress", None)
        assert (engine, salt_fp) == ("0.1.0", "b84df9f3a6e624b3")
        assert len(config_hash) == 64 and len(source_hash) == 64
        assert snapshot == {"tables": {}}
        # The terminal summary merged over the phase marker.
        assert summary == {"phase": "data", "tables": 3, "rows": 157, "bytes": 4096,
                           "failed_units": []}
        assert plan["faker_library"] == "standard"

        ckpts = {r[0]: r[1:] for r in conn.execute(
            "SELECT table_name, status, last_pk_value, rows_processed FROM"
            " _privaci.table_checkpoints WHERE run_id = %s", (run_id,)).fetchall()}
        # The rolled-back third batch left neither its cursor nor its rows.
        assert ckpts == {
            "users": ("done", "150", 150),
            "pairs": ("done", None, 7),
            "sessions": ("done", None, 0),
            "never_started": ("failed", None, 0),
        }

        audit = conn.execute(
            "SELECT audit_id, level, event_type, schema_name, table_name, column_name, payload"
            " FROM _privaci.audit_log WHERE run_id = %s ORDER BY audit_id", (run_id,)).fetchall()
        assert [row[1:] for row in audit] == [
            ("info", "column.masked", "public", "users", "email",
             {"action": "fake", "provider": "email", "rows_affected": 150}),
            ("error", "table.failed", "public", "users", "email",
             {"phase": "write", "column": "public.users.email", "batch": 2,
              "rows_processed": 100, "sqlstate": "23505", "error": "unique_violation"}),
            ("warning", "warning", "public", "users", None,
             {"code": "never_analyzed", "message": "Table x"}),
        ]
        assert all(uuid.UUID(str(row[0])).version == 7 for row in audit)
        # The refused payload (a column→value map) never reached the table.
        assert "someone@example.com" not in json.dumps([list(map(str, r)) for r in audit])


def test_audit_disabled_still_writes_run_and_checkpoints(target_cluster, target_db):
    run_id, steps = lifecycle(target_cluster, target_db, audit=False)
    assert steps["audit_masked"]["ok"] and steps["audit_refused"]["ok"]
    with target_cluster.connect(target_db) as conn:
        assert conn.execute("SELECT count(*) FROM _privaci.audit_log").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM _privaci.runs").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM _privaci.table_checkpoints"
                            ).fetchone()[0] == 4


def test_deleting_a_run_cascades(target_cluster, target_db):
    run_id, _ = lifecycle(target_cluster, target_db, audit=True)
    with target_cluster.connect(target_db) as conn:
        conn.execute("DELETE FROM _privaci.runs WHERE run_id = %s", (run_id,))
        assert conn.execute("SELECT count(*) FROM _privaci.table_checkpoints").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM _privaci.audit_log").fetchone()[0] == 0


# ------------------------------------------------------------ fingerprints

def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_source_db_hash_of_each_url_form(source_cluster):
    db = source_cluster.create_db(f"hash_{uuid.uuid4().hex[:6]}")
    try:
        # Hostless forms hash what libpq actually connected to: the socket directory and port.
        expected = sha(f"{str(source_cluster.socket_dir).lower()}:{source_cluster.port}/{db}")
        for url in (source_cluster.dsn(db), source_cluster.url(db)):
            r = probe("hash", url)
            assert r.returncode == 0, r.stderr
            assert r.stdout.strip() == expected, url
        # URI with a host: the URL alone decides (no connection is made).
        r = probe("hash", "postgresql://user:pw@DB.Example.com:5432/app")
        assert r.stdout.strip() == sha("db.example.com:5432/app")
        assert r.stdout.strip() == (
            "e28b4cc86adca2c648a354d551efd1c135a87ad7d3cf9f76091efffe840d3a8a")
    finally:
        source_cluster.drop_db(db)

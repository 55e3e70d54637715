"""Schema replication against real clusters (catalog-and-schema.md §6–§8;
errors.md §3.1; observability.md §3/§4; state.md §6).

Until `privaci run` wires src/schema/, the API is driven by the test tool
build/tests/integration/tools/schema_driver (dump → on_existing_data →
pre-data → skipped objects → post-data → sequences), which prints the events
as JSON lines and every audit row as {"event": "audit", ...}.

"Done when" (issue 4): after replication, `pg_dump --schema-only --no-owner
--no-privileges` of the target holds the same statements as the source's once
the skipped kinds, excluded tables (and what belongs to them), non-unique
indexes (unless replicate_all_indexes) and FKs into excluded tables are
removed from the source's; running the phases again creates nothing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, clean_env

SQL_DIR = Path(__file__).resolve().parent / "sql"
# $SCHEMA_DRIVER, else the one built next to $PRIVACI_BIN (make test-asan), else build/.
_BUILD = Path(os.environ["PRIVACI_BIN"]).parent if os.environ.get("PRIVACI_BIN") else REPO / "build"
DRIVER = Path(os.environ.get("SCHEMA_DRIVER")
              or _BUILD / "tests" / "integration" / "tools" / "schema_driver")

SKIPPED_TYPES = {
    "VIEW", "MATERIALIZED VIEW", "MATERIALIZED VIEW DATA", "TRIGGER", "EVENT TRIGGER", "RULE",
    "POLICY", "ROW SECURITY", "PUBLICATION", "PUBLICATION TABLE", "SUBSCRIPTION",
    "FOREIGN DATA WRAPPER", "SERVER", "USER MAPPING", "FOREIGN TABLE",
}
# Comments on skipped objects start with their kind.
SKIPPED_COMMENT = re.compile(
    r"^(VIEW|MATERIALIZED VIEW|TRIGGER|EVENT TRIGGER|RULE|POLICY|PUBLICATION|SUBSCRIPTION|"
    r"FOREIGN DATA WRAPPER|SERVER|FOREIGN TABLE) ")
HEADER = re.compile(r"^-- Name: (.*); Type: (.*); Schema: (.*); Owner: (.*)$")
FORCE_RLS = re.compile(r"^ALTER TABLE ONLY .* FORCE ROW LEVEL SECURITY;$")
# Session settings pg_dump writes between entries (their place depends on the order).
SESSION_SETTING = re.compile(r"^(SET [a-z_]+ = .*;|SELECT pg_catalog\.set_config\(.*\);)$")


# ------------------------------------------------------------------ helpers


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def events(self, name: str) -> list[dict]:
        return [e for e in self.lines if e.get("event") == name]

    def audits(self, event_type: str) -> list[dict]:
        return [e for e in self.lines
                if e.get("event") == "audit" and e["event_type"] == event_type]

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}--- stderr\n{self.stderr}--- end"


def drive(source, target, *args, env=None, config=None) -> Run:
    if not DRIVER.is_file():
        pytest.fail(f"schema_driver not found at {DRIVER}; build with `ninja -C build`",
                    pytrace=False)
    argv = [str(DRIVER), "--source", source, "--target", target, *args]
    if config is not None:
        argv += ["--config", str(config)]
    proc = subprocess.run(argv, env=clean_env(env), capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def fresh_db(cluster, name: str, *sql_files: str, extra_sql: str | None = None) -> str:
    cluster.drop_db(name)
    cluster.create_db(name)
    with cluster.connect(name) as conn:
        for f in sql_files:
            conn.execute((SQL_DIR / f).read_text(encoding="utf-8"))
        if extra_sql:
            conn.execute(extra_sql)
    return name


def pg_dump_schema(cluster, db: str) -> str:
    proc = subprocess.run(
        [str(cluster.bindir / "pg_dump"), "--schema-only", "--no-owner", "--no-privileges",
         "--exclude-schema=_privaci", "--dbname", cluster.dsn(db)],
        capture_output=True, text=True, check=True, env=clean_env())
    return proc.stdout


@dataclass(frozen=True)
class Entry:
    type: str
    schema: str
    name: str
    sql: str


def ddl_entries(cluster, db: str) -> list[Entry]:
    """pg_dump's entries: header (type, schema, name) and SQL without comments."""
    entries: list[Entry] = []
    current = None
    body: list[str] = []

    def flush():
        if current:
            sql = "\n".join(l for l in body if l.strip() and not l.startswith("--")
                            and not SESSION_SETTING.match(l) and not FORCE_RLS.match(l))
            if sql:  # e.g. public's "*not* creating schema" entry holds no statement
                entries.append(Entry(current[1], current[2], current[0], sql))

    for line in pg_dump_schema(cluster, db).splitlines():
        if line.startswith("\\restrict") or line.startswith("\\unrestrict"):
            continue
        m = HEADER.match(line)
        if m:
            flush()
            current, body = m.groups(), []
        elif current:
            body.append(line)
    flush()
    return entries


def expected_from_source(entries: list[Entry], *, all_indexes=False, drop=lambda e: False):
    """The source's entries the target must hold (catalog-and-schema.md §8)."""
    unique_index = {e.name for e in entries if e.type == "INDEX" and "CREATE UNIQUE" in e.sql}
    kept = []
    for e in entries:
        if e.type in SKIPPED_TYPES:
            continue
        if e.type == "COMMENT" and SKIPPED_COMMENT.match(e.name):
            continue
        if not all_indexes:
            if e.type == "INDEX" and e.name not in unique_index:
                continue
            if e.type == "COMMENT" and e.name.startswith("INDEX ") and \
                    e.name[6:] not in unique_index:
                continue
        if drop(e):
            continue
        kept.append(e)
    return kept


def assert_same_ddl(source_entries, target_entries):
    want, got = Counter(source_entries), Counter(target_entries)
    missing = want - got
    extra = got - want
    assert not missing and not extra, (
        "DDL differs\n--- missing on the target\n"
        + "\n".join(f"{e.type} {e.schema} {e.name}: {e.sql}" for e in missing)
        + "\n--- extra on the target\n"
        + "\n".join(f"{e.type} {e.schema} {e.name}: {e.sql}" for e in extra))


def object_oids(cluster, db: str) -> set:
    """OIDs of the target's user objects (to prove nothing was re-created).

    Column defaults are left out: like COMMENT and OWNED BY, a DEFAULT entry only
    sets a property and is re-applied on every pass (§8), which gives the
    pg_attrdef row a new OID; the DDL comparison covers its text.
    """
    with cluster.connect(db) as conn:
        rows = conn.execute(
            "SELECT 'c', oid FROM pg_class WHERE oid >= 16384"
            " UNION ALL SELECT 'k', oid FROM pg_constraint WHERE oid >= 16384"
            " UNION ALL SELECT 't', oid FROM pg_type WHERE oid >= 16384"
            " UNION ALL SELECT 'p', oid FROM pg_proc WHERE oid >= 16384"
            " UNION ALL SELECT 'n', oid FROM pg_namespace WHERE oid >= 16384"
            " UNION ALL SELECT 'x', oid FROM pg_extension WHERE oid >= 16384").fetchall()
    return set(rows)


def scalar(cluster, db: str, sql: str, params=None):
    with cluster.connect(db) as conn:
        return conn.execute(sql, params).fetchone()[0]


def write(tmp_path: Path, text: str, name="mask-rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SALT = 'global_salt: "0123456789abcdef0123456789abcdef0123"\n'

RICH_CONFIG = """version: "1.0"
""" + SALT + """tables:
  public.audit_trail:
    strategy: exclude
  public.events:
    strategy: exclude
  public.staging:
    strategy: empty
  public.scratch:
    strategy: truncate
"""


def rich_excluded(e: Entry) -> bool:
    """What belongs to rich's excluded tables (audit_trail, events and its partitions)."""
    name = e.name
    for prefix in ("audit_trail", "events", "TABLE audit_trail"):
        if name.startswith(prefix):
            return True
    return e.type == "FK CONSTRAINT" and "audit_trail" in e.sql


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def shapes(source_cluster):
    # catalog_shapes plus a FORCEd row-security switch and comments.
    return fresh_db(source_cluster, "sr_shapes", "catalog_shapes.sql", extra_sql="""
        ALTER TABLE public.comments FORCE ROW LEVEL SECURITY;
        COMMENT ON TABLE public.users IS 'people';
        COMMENT ON COLUMN public.users.email IS 'contact';
        COMMENT ON VIEW public.active_users IS 'not replicated';
        COMMENT ON INDEX public.orders_created_idx IS 'non-unique';
        COMMENT ON CONSTRAINT orders_user_id_fkey ON public.orders IS 'fk comment';
        CREATE FUNCTION public.ddl_note() RETURNS event_trigger LANGUAGE plpgsql
            AS $$BEGIN END$$;
        CREATE EVENT TRIGGER sr_note ON ddl_command_start EXECUTE FUNCTION public.ddl_note();
        CREATE FOREIGN DATA WRAPPER sr_fdw;
        CREATE SERVER sr_server FOREIGN DATA WRAPPER sr_fdw;
        CREATE USER MAPPING FOR postgres SERVER sr_server;
        CREATE FOREIGN TABLE sales.remote_rows (id integer) SERVER sr_server;
    """)


@pytest.fixture(scope="module")
def partitions(source_cluster):
    return fresh_db(source_cluster, "sr_partitions", "catalog_partitions.sql")


@pytest.fixture(scope="module")
def hostile(source_cluster):
    return fresh_db(source_cluster, "sr_hostile", "catalog_hostile.sql", extra_sql='''
        COMMENT ON TABLE "Sales Data"."Order ""Items""" IS 'quoted';
        CREATE UNIQUE INDEX "uniq ""idx""" ON "Sales Data"."Order ""Items""" ("select");
        CREATE TABLE "Sales Data"."ATTACH" (id integer, "Part" text) PARTITION BY LIST ("Part");
        CREATE TABLE "Sales Data"."ATTACH one" PARTITION OF "Sales Data"."ATTACH"
            FOR VALUES IN ('a');
        CREATE TABLE public."SELECT" (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    ''')


@pytest.fixture(scope="module")
def rich(source_cluster):
    return fresh_db(source_cluster, "sr_rich", "schema_rich.sql")


@pytest.fixture
def target(target_cluster, request):
    name = "sr_t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    target_cluster.drop_db(name)
    target_cluster.create_db(name)
    yield name
    target_cluster.drop_db(name)


# ------------------------------------------------------------------ fidelity


def test_shapes_ddl_matches_source(source_cluster, target_cluster, shapes, target):
    res = drive(source_cluster.dsn(shapes), target_cluster.dsn(target))
    assert res.code == 0, str(res)
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, shapes)),
                    ddl_entries(target_cluster, target))
    # Cycles (deferrable and not), self-FK and chains all exist as FKs.
    with target_cluster.connect(target) as conn:
        fks = {r[0]: (r[1], r[2]) for r in conn.execute(
            "SELECT conname, condeferrable, condeferred FROM pg_constraint WHERE contype = 'f'")}
    assert fks["authors_featured_book_fk"] == (True, True)
    assert fks["accounts_primary_contact_fk"] == (False, False)
    assert "employees_manager_id_fkey" in fks and "order_items_order_id_fkey" in fks
    assert len(fks) == 8


def test_shapes_events_and_audit(source_cluster, target_cluster, shapes, target):
    res = drive(source_cluster.dsn(shapes), target_cluster.dsn(target))
    assert res.code == 0, str(res)
    cloned = res.events("schema.cloned")
    assert len(cloned) == 1
    assert cloned[0]["tables_created"] == 10 and cloned[0]["schemas_created"] == 2

    skipped = {(e["kind"], e["schema_name"], e.get("table_name"), e["object_name"])
               for e in res.events("skipped_object")}
    assert skipped == {
        ("view", "public", None, "active_users"),
        ("materialized_view", "sales", None, "invoice_totals"),
        ("trigger", "public", "users", "users_touch"),
        ("rule", "public", "orders", "orders_no_delete"),
        ("policy", "public", "comments", "comments_visible"),
        ("row_security", "public", "comments", "ENABLE"),
        ("row_security", "public", "comments", "FORCE"),
        ("publication", None, None, "catalog_pub"),
        ("event_trigger", None, None, "sr_note"),
        ("fdw", None, None, "sr_fdw"),
        ("fdw", None, None, "sr_server"),
        ("fdw", "sales", None, "remote_rows"),
    }
    # table_name only on the table-bound kinds (observability.md §3).
    for e in res.events("skipped_object"):
        assert ("table_name" in e) == (e["kind"] in ("trigger", "rule", "policy", "row_security"))
    audits = {(a["schema_name"], a["table_name"], json.dumps(a["payload"], sort_keys=True))
              for a in res.audits("skipped_object")}
    assert ("public", "users",
            json.dumps({"kind": "trigger", "object_name": "users_touch"}, sort_keys=True)) in audits
    assert ("public", "active_users", json.dumps({"kind": "view"})) in audits
    assert (None, "catalog_pub", json.dumps({"kind": "publication"})) in audits
    assert (None, "sr_server", json.dumps({"kind": "fdw", "object_type": "server"},
                                          sort_keys=True)) in audits
    assert len(res.audits("skipped_object")) == 12

    # Row security is off on the target: ENABLE is skipped, FORCE switched off.
    assert scalar(target_cluster, target,
                  "SELECT relrowsecurity OR relforcerowsecurity FROM pg_class"
                  " WHERE oid = 'public.comments'::regclass") is False
    # No view, trigger, rule, policy, publication, event trigger or FDW object.
    with target_cluster.connect(target) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM pg_class WHERE relkind IN ('v', 'm', 'f')"
            "        AND relnamespace::regnamespace::text NOT IN ('pg_catalog',"
            "        'information_schema')),"
            " (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal),"
            " (SELECT count(*) FROM pg_rewrite WHERE rulename <> '_RETURN' AND oid >= 16384),"
            " (SELECT count(*) FROM pg_policy), (SELECT count(*) FROM pg_publication),"
            " (SELECT count(*) FROM pg_event_trigger),"
            " (SELECT count(*) FROM pg_foreign_data_wrapper)").fetchone()
    assert counts == (0, 0, 0, 0, 0, 0, 0)


def test_phases_are_idempotent(source_cluster, target_cluster, shapes, target):
    first = drive(source_cluster.dsn(shapes), target_cluster.dsn(target))
    assert first.code == 0, str(first)
    before = object_oids(target_cluster, target)
    ddl_before = ddl_entries(target_cluster, target)
    again = drive(source_cluster.dsn(shapes), target_cluster.dsn(target),
                  "--steps", "pre,post", "--debug")
    assert again.code == 0, str(again)
    # Nothing was created again (same objects, same OIDs), and the DDL is unchanged.
    assert object_oids(target_cluster, target) == before
    assert Counter(ddl_entries(target_cluster, target)) == Counter(ddl_before)
    logs = [e["message"] for e in again.events("log")]
    # Only the comments on constraints and FKs are re-applied (§8: they only set a property).
    assert "schema post-data: 0 entries to restore" in logs
    assert "schema foreign keys: 1 entries to restore" in logs


def test_post_data_after_an_interrupted_post_data(source_cluster, target_cluster, shapes,
                                                  target):
    """Resume relies on it: a post-data stopped half-way is finished, not repeated."""
    res = drive(source_cluster.dsn(shapes), target_cluster.dsn(target), "--steps", "pre,post")
    assert res.code == 0, str(res)
    with target_cluster.connect(target) as conn:
        conn.execute("ALTER TABLE public.orders DROP CONSTRAINT orders_user_id_fkey")
        conn.execute("ALTER TABLE public.users DROP CONSTRAINT users_email_key")
    res = drive(source_cluster.dsn(shapes), target_cluster.dsn(target), "--steps", "post",
                "--debug")
    assert res.code == 0, str(res)
    logs = [e["message"] for e in res.events("log")]
    assert "schema post-data: 1 entries to restore" in logs
    # The FK and its comment (a comment is always re-applied).
    assert "schema foreign keys: 2 entries to restore" in logs
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, shapes)),
                    ddl_entries(target_cluster, target))


def test_partitions_ddl_matches_source(source_cluster, target_cluster, partitions, target):
    res = drive(source_cluster.dsn(partitions), target_cluster.dsn(target))
    assert res.code == 0, str(res)
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, partitions)),
                    ddl_entries(target_cluster, target))
    with target_cluster.connect(target) as conn:
        children = dict(conn.execute(
            "SELECT inhparent::regclass::text, count(*) FROM pg_inherits i"
            " JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relkind IN ('r', 'p')"
            " GROUP BY 1").fetchall())
        strategies = dict(conn.execute(
            "SELECT partrelid::regclass::text, partstrat FROM pg_partitioned_table").fetchall())
    assert children == {"measurements": 24, "customers": 3, "sessions": 2, "events": 2,
                        "events_click": 1}
    assert strategies == {"measurements": "r", "customers": "l", "sessions": "h",
                          "events": "l", "events_click": "r"}
    assert res.events("schema.cloned")[0]["tables_created"] == 37


def test_excluding_a_partitioned_parent_excludes_its_tree(source_cluster, target_cluster,
                                                          partitions, target, tmp_path):
    config = write(tmp_path, 'version: "1.0"\n' + SALT + "tables:\n"
                   "  public.measurements:\n    strategy: exclude\n"
                   "  public.events:\n    strategy: exclude\n")
    res = drive(source_cluster.dsn(partitions), target_cluster.dsn(target), config=config)
    assert res.code == 0, str(res)
    with target_cluster.connect(target) as conn:
        names = {r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")}
    assert not any(n.startswith(("measurements", "events")) for n in names)
    assert {"sensors", "customers", "customers_eu", "sessions_1"} <= names
    # The FK of the excluded parent into sensors went with it; sensors is intact.
    assert res.events("schema.cloned")[0]["tables_created"] == 37 - 25 - 4
    assert_same_ddl(
        expected_from_source(ddl_entries(source_cluster, partitions),
                             drop=lambda e: e.name.startswith(("measurements", "events"))),
        ddl_entries(target_cluster, target))


def test_hostile_identifiers(source_cluster, target_cluster, hostile, target):
    res = drive(source_cluster.dsn(hostile), target_cluster.dsn(target))
    assert res.code == 0, str(res)
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, hostile)),
                    ddl_entries(target_cluster, target))
    with target_cluster.connect(target) as conn:
        assert conn.execute('''SELECT obj_description('"Sales Data"."Order ""Items"""'::regclass,
                               'pg_class')''').fetchone()[0] == "quoted"
        assert conn.execute('''SELECT count(*) FROM pg_inherits
                               WHERE inhparent = '"Sales Data"."ATTACH"'::regclass''').fetchone()[0] == 1
    seqs = {e["sequence"] for e in res.events("sequence.sync")}
    assert seqs == {'"Sales Data"."Table_id_seq"', 'public."SELECT_id_seq"'}


def test_rich_objects_strategies_and_indexes(source_cluster, target_cluster, rich, target,
                                             tmp_path):
    config = write(tmp_path, RICH_CONFIG)
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config)
    assert res.code == 0, str(res)
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, rich), drop=rich_excluded),
                    ddl_entries(target_cluster, target))
    # exclude: not created (nor its children); empty / truncate: created.
    with target_cluster.connect(target) as conn:
        tables = {r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')"
            " AND relnamespace = 'public'::regnamespace")}
    assert {"staging", "scratch", "notes", "customers"} <= tables
    assert not tables & {"audit_trail", "events", "events_2024", "events_2025"}
    # Counts of §8.1: excluded tables (and children) are not counted.
    assert res.events("schema.cloned")[0] == {
        **res.events("schema.cloned")[0], "tables_created": 12, "schemas_created": 2}
    # The FK into the excluded table is omitted, with a warning and an audit row.
    warnings = [e for e in res.events("warning") if e["code"] == "fk_dropped"]
    assert len(warnings) == 1 and warnings[0]["table_id"] == "public.notes"
    assert "notes_audit_id_fkey" in warnings[0]["message"]
    assert [a["payload"]["code"] for a in res.audits("warning")] == ["fk_dropped"]
    assert "Warning: [fk_dropped]" in res.stderr


def test_excluded_table_need_not_be_readable(source_cluster, target_cluster, rich, target,
                                             tmp_path):
    """pg_dump leaves excluded tables out of the dump, so it never locks them."""
    with source_cluster.connect(rich) as conn:
        conn.execute("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'sr_reader')"
                     " THEN CREATE ROLE sr_reader LOGIN; END IF; END$$")
        conn.execute("GRANT USAGE ON SCHEMA util, crm TO sr_reader;"
                     " GRANT SELECT ON ALL TABLES IN SCHEMA public, crm TO sr_reader;"
                     " GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, util TO sr_reader;"
                     " REVOKE SELECT ON public.audit_trail FROM sr_reader")
    config = write(tmp_path, RICH_CONFIG)
    reader = source_cluster.dsn(rich).replace("user=postgres", "user=sr_reader")
    res = drive(reader, target_cluster.dsn(target), config=config)
    assert res.code == 0, str(res)
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, rich), drop=rich_excluded),
                    ddl_entries(target_cluster, target))


def test_replicate_all_indexes(source_cluster, target_cluster, rich, target, tmp_path):
    config = write(tmp_path, RICH_CONFIG + "replicate_all_indexes: true\n")
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config)
    assert res.code == 0, str(res)
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, rich), all_indexes=True,
                                         drop=rich_excluded),
                    ddl_entries(target_cluster, target))
    assert scalar(target_cluster, target,
                  "SELECT count(*) FROM pg_indexes WHERE indexname IN"
                  " ('customers_nickname_trgm', 'orders_customer_idx')") == 2


def test_identity_generated_and_sequences(source_cluster, target_cluster, rich, target,
                                          tmp_path):
    config = write(tmp_path, RICH_CONFIG)
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config)
    assert res.code == 0, str(res)
    syncs = res.events("sequence.sync")
    assert {(e["table"], e["column"], e["sequence"]) for e in syncs} == {
        ("public.customers", "id", "public.customers_id_seq"),
        ("public.orders", "id", "public.orders_id_seq"),
        ("public.employees", "id", "public.employees_id_seq"),
        ("public.staging", "id", "public.staging_id_seq"),
        ("public.scratch", "id", "public.scratch_id_seq"),
        ("public.countdown", "id", "public.countdown_id_seq"),
        (None, None, "util.invoice_numbers"),
    }
    for e in syncs:  # never a value
        assert set(e) == {"timestamp", "level", "event", "table", "column", "sequence"}
    with target_cluster.connect(target) as conn:
        ident = dict(conn.execute(
            "SELECT attrelid::regclass::text || '.' || attname, attidentity FROM pg_attribute"
            " WHERE attidentity <> '' AND attnum > 0").fetchall())
        assert ident == {"customers.id": "d", "employees.id": "a", "staging.id": "a"}
        assert conn.execute("SELECT attgenerated FROM pg_attribute WHERE attrelid ="
                            " 'public.orders'::regclass AND attname = 'total'").fetchone()[0] == "s"
        # Empty tables: the next value is the sequence's START.
        assert conn.execute("INSERT INTO public.customers (email) VALUES ('n@example.com')"
                            " RETURNING id").fetchone()[0] == 100
        # Standalone: the source's state (1000, 1005 for the two orders, then 1010).
        assert conn.execute("SELECT last_value, is_called FROM util.invoice_numbers"
                            ).fetchone() == (1010, True)
        # Loaded rows: the sequence moves past the maximum.
        conn.execute("INSERT INTO public.customers (id, email) VALUES (5000, 'm@example.com')")
        conn.execute("INSERT INTO public.employees OVERRIDING SYSTEM VALUE VALUES (77, NULL, NULL)")
        assert conn.execute("INSERT INTO public.countdown DEFAULT VALUES RETURNING id"
                            ).fetchone()[0] == -1
        conn.execute("INSERT INTO public.countdown VALUES (-50)")
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), "--steps", "sequences",
                config=config)
    assert res.code == 0, str(res)
    with target_cluster.connect(target) as conn:
        assert conn.execute("INSERT INTO public.customers (email) VALUES ('o@example.com')"
                            " RETURNING id").fetchone()[0] == 5010
        assert conn.execute("INSERT INTO public.employees DEFAULT VALUES RETURNING id"
                            ).fetchone()[0] == 78
        # Descending: past the minimum.
        assert conn.execute("INSERT INTO public.countdown DEFAULT VALUES RETURNING id"
                            ).fetchone()[0] == -51


# ------------------------------------------------------------ existing data


def load_existing(target_cluster, target):
    """A target already replicated, with rows, an extra index and an outside FK."""
    with target_cluster.connect(target) as conn:
        conn.execute("INSERT INTO public.customers (email, score) VALUES ('x@example.com', 2)")
        conn.execute("INSERT INTO public.orders (customer_id, qty, price)"
                     " SELECT id, 1, 1 FROM public.customers")
        conn.execute("CREATE INDEX extra_idx ON public.orders (qty)")
        conn.execute("CREATE TABLE public.outsider (id integer PRIMARY KEY,"
                     " customer_id bigint REFERENCES public.customers (id))")
        conn.execute("INSERT INTO public.outsider SELECT 1, id FROM public.customers")


def test_on_existing_truncate(source_cluster, target_cluster, rich, target, tmp_path):
    config = write(tmp_path, RICH_CONFIG.replace(
        'version: "1.0"\n', 'version: "1.0"\non_existing_data: truncate\n'))
    assert drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config).code == 0
    load_existing(target_cluster, target)
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config)
    assert res.code == 0, str(res)

    dropped = {(a["payload"]["kind"], a["schema_name"], a["table_name"], a["payload"]["object_name"]):
               a["payload"]["definition"] for a in res.audits("target_object_dropped")}
    assert dropped[("foreign_key", "public", "orders", "orders_customer_id_fkey")] == \
        "FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE"
    assert dropped[("foreign_key", "public", "outsider", "outsider_customer_id_fkey")] == \
        "FOREIGN KEY (customer_id) REFERENCES customers(id)"
    assert dropped[("constraint", "public", "customers", "customers_pkey")] == "PRIMARY KEY (id)"
    assert dropped[("constraint", "public", "employees", "employees_during_excl")] == \
        "EXCLUDE USING gist (during WITH &&)"
    assert dropped[("index", "public", "orders", "extra_idx")] == \
        "CREATE INDEX extra_idx ON public.orders USING btree (qty)"
    assert ("index", "public", "customers", "customers_lower_code") in dropped
    assert not any(k[2] == "outsider" and k[0] != "foreign_key" for k in dropped)
    # fk_dropped: the outside FK (§7.1) and, as on every fresh run, the FK into the
    # excluded audit_trail (§6.2).
    warnings = [e for e in res.events("warning") if e["code"] == "fk_dropped"]
    assert sorted(w["table_id"] for w in warnings) == ["public.notes", "public.outsider"]
    assert "outsider_customer_id_fkey" in [w for w in warnings
                                           if w["table_id"] == "public.outsider"][0]["message"]

    with target_cluster.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM public.customers").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM public.orders").fetchone()[0] == 0
        # Outside the run's scope: never emptied; its FK is gone for good.
        assert conn.execute("SELECT count(*) FROM public.outsider").fetchone()[0] == 1
    # Post-data re-created every in-scope object from the source.
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, rich), drop=rich_excluded),
                    [e for e in ddl_entries(target_cluster, target) if "outsider" not in e.name])


def test_force_restart_truncates_like_truncate(source_cluster, target_cluster, rich, target,
                                               tmp_path):
    config = write(tmp_path, RICH_CONFIG)  # on_existing_data: fail
    assert drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config).code == 0
    load_existing(target_cluster, target)
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), "--force-restart",
                config=config)
    assert res.code == 0, str(res)
    assert res.audits("target_object_dropped")
    assert scalar(target_cluster, target, "SELECT count(*) FROM public.customers") == 0


def test_strip_for_resume_keeps_rows(source_cluster, target_cluster, rich, target, tmp_path):
    config = write(tmp_path, RICH_CONFIG)
    assert drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config).code == 0
    load_existing(target_cluster, target)
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), "--existing", "strip",
                config=config)
    assert res.code == 0, str(res)
    assert res.audits("target_object_dropped")
    assert scalar(target_cluster, target, "SELECT count(*) FROM public.customers") == 1
    assert scalar(target_cluster, target,
                  "SELECT count(*) FROM pg_constraint WHERE conname = 'customers_pkey'") == 1


def test_drop_create(source_cluster, target_cluster, rich, target, tmp_path):
    config = write(tmp_path, RICH_CONFIG.replace(
        'version: "1.0"\n', 'version: "1.0"\non_existing_data: drop_create\n'))
    assert drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config).code == 0
    load_existing(target_cluster, target)
    with target_cluster.connect(target) as conn:
        conn.execute("CREATE SCHEMA junk; CREATE TABLE junk.t (id integer);"
                     " CREATE SCHEMA _privaci; CREATE TABLE _privaci.runs (id integer);"
                     " INSERT INTO _privaci.runs VALUES (1)")
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config)
    assert res.code == 0, str(res)
    assert "drop cascades" not in res.stderr
    with target_cluster.connect(target) as conn:
        schemas = {r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_'"
            " AND nspname <> 'information_schema'")}
        assert conn.execute("SELECT count(*) FROM _privaci.runs").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM public.customers").fetchone()[0] == 0
    assert schemas == {"public", "util", "crm", "_privaci"}
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, rich), drop=rich_excluded),
                    ddl_entries(target_cluster, target))


# ------------------------------------------------------------------ failures


def test_fk_validation_failure_names_constraint_not_values(source_cluster, target_cluster, rich,
                                                           target, tmp_path):
    config = write(tmp_path, RICH_CONFIG)
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), "--steps", "pre",
                config=config)
    assert res.code == 0, str(res)
    with target_cluster.connect(target) as conn:
        conn.execute("INSERT INTO public.orders (customer_id, qty, price)"
                     " VALUES (987654321, 1, 1), (987654321, 2, 1)")
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), "--steps", "post",
                config=config)
    assert res.code == 1, str(res)
    assert "Context: Adding foreign keys on the target\n" in res.stderr
    assert ("Cause: Constraint orders_customer_id_fkey on public.orders failed validation "
            "(2 orphaned rows).\n") in res.stderr
    assert "Remediation: Mask both sides of the relationship identically (see seed_alias)" \
        in res.stderr
    assert "987654321" not in res.stdout + res.stderr
    # Constraints and indexes (first pass) stay; no FK was created.
    assert scalar(target_cluster, target,
                  "SELECT count(*) FROM pg_constraint WHERE conname = 'customers_pkey'") == 1
    assert scalar(target_cluster, target,
                  "SELECT count(*) FROM pg_constraint WHERE contype = 'f'") == 0


def test_ddl_failure_is_value_free_and_rolled_back(source_cluster, target_cluster, rich, target,
                                                   tmp_path):
    config = write(tmp_path, RICH_CONFIG)
    with target_cluster.connect(target) as conn:
        conn.execute("CREATE VIEW public.customers AS SELECT 'top secret value'::text AS x")
    res = drive(source_cluster.dsn(rich), target_cluster.dsn(target), config=config)
    assert res.code == 1, str(res)
    assert "Context: Replicating schema to the target database\n" in res.stderr
    assert ('Cause: DDL execution failed on the target (42P07 relation "customers" already '
            'exists).\n') in res.stderr
    assert "Remediation: Verify target permissions, required extensions, and retry.\n" \
        in res.stderr
    assert "secret" not in res.stderr
    # One transaction: not even the schemas were created.
    assert scalar(target_cluster, target,
                  "SELECT count(*) FROM pg_namespace WHERE nspname IN ('util', 'crm')") == 0


# ------------------------------------------------------------ the pg_dump child


def fake_pg_dump(tmp_path: Path, exit_code: int | None = None) -> Path:
    """A pg_dump that records its argv, PGPASSWORD and archive path, then runs the real one."""
    real = Path("/usr/lib/postgresql/15/bin/pg_dump")
    log = tmp_path / "pg_dump.log"
    script = tmp_path / "pg_dump"
    tail = f"exit {exit_code}\n" if exit_code is not None else f'exec {real} "$@"\n'
    script.write_text(
        "#!/bin/sh\n"
        f'printf "argv:%s\\n" "$*" >> {log}\n'
        f'printf "password:%s\\n" "${{PGPASSWORD:-}}" >> {log}\n'
        f'for a in "$@"; do case "$a" in --file=*) echo "file:${{a#--file=}}" >> {log};; esac;'
        " done\n" + tail)
    script.chmod(0o755)
    return script


def password_url(cluster, db: str) -> str:
    return (f"postgresql://{cluster.user}:hunter2-not-on-argv@/{db}"
            f"?host={cluster.socket_dir}&port={cluster.port}")


def test_password_never_on_pg_dump_command_line_and_archive_removed(
        source_cluster, target_cluster, shapes, target, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    script = fake_pg_dump(tmp_path)
    res = drive(password_url(source_cluster, shapes), target_cluster.dsn(target),
                env={"PRIVACI_PG_DUMP": script, "TMPDIR": tmpdir})
    assert res.code == 0, str(res)
    log = (tmp_path / "pg_dump.log").read_text()
    argv = [l for l in log.splitlines() if l.startswith("argv:")][0]
    assert "hunter2" not in argv
    assert "--schema-only" in argv and "--format=custom" in argv and "--snapshot=" in argv
    assert "password:hunter2-not-on-argv" in log
    archive = Path([l for l in log.splitlines() if l.startswith("file:")][0][5:])
    assert archive.parent == tmpdir
    assert not archive.exists()
    assert list(tmpdir.iterdir()) == []  # archive and restore lists are gone
    assert "hunter2" not in res.stdout + res.stderr


def test_pg_dump_failure(source_cluster, target_cluster, shapes, target, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    script = fake_pg_dump(tmp_path, exit_code=3)
    res = drive(password_url(source_cluster, shapes), target_cluster.dsn(target),
                env={"PRIVACI_PG_DUMP": script, "TMPDIR": tmpdir})
    assert res.code == 1, str(res)
    assert "Context: Dumping the source schema\n" in res.stderr
    assert "Cause: pg_dump exited with status 3.\n" in res.stderr
    assert list(tmpdir.iterdir()) == []
    assert "hunter2" not in res.stdout + res.stderr


def test_without_snapshot(source_cluster, target_cluster, hostile, target):
    res = drive(source_cluster.dsn(hostile), target_cluster.dsn(target), "--no-snapshot")
    assert res.code == 0, str(res)
    assert_same_ddl(expected_from_source(ddl_entries(source_cluster, hostile)),
                    ddl_entries(target_cluster, target))

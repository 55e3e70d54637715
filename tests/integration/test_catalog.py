"""`privaci catalog inspect` against a real source (catalog-and-schema.md §1–§5,
§10; cli.md §3.13; errors.md §3.2).

Each fixture database is created fresh for this module from
tests/integration/sql/catalog_*.sql and ANALYZEd (except where a test needs a
never-analyzed table). The `implied_fk_ignore` list is not reachable from
`catalog inspect` (it reads no config, §11); it is covered by the unit tests
in tests/unit/test_catalog.c.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SQL_DIR = Path(__file__).resolve().parent / "sql"


def _load(cluster, db: str, sql_file: str | None, analyze: bool = True) -> str:
    cluster.drop_db(db)
    cluster.create_db(db)
    with cluster.connect(db) as conn:
        if sql_file:
            conn.execute((SQL_DIR / sql_file).read_text(encoding="utf-8"))
        if analyze:
            conn.execute("ANALYZE")
    return cluster.url(db)


@pytest.fixture(scope="module")
def shapes_url(source_cluster):
    return _load(source_cluster, "catalog_shapes", "catalog_shapes.sql")


@pytest.fixture(scope="module")
def partitions_url(source_cluster):
    return _load(source_cluster, "catalog_partitions", "catalog_partitions.sql")


@pytest.fixture(scope="module")
def hostile_url(source_cluster):
    return _load(source_cluster, "catalog_hostile", "catalog_hostile.sql")


def inspect(privaci, url, *extra, env=None):
    return privaci("catalog", "inspect", "--source", url, *extra, env=env)


def inspect_json(privaci, url):
    res = inspect(privaci, url, "--json")
    assert res.code == 0, str(res)
    return res, json.loads(res.stdout)


# ------------------------------------------------------------ human output

SHAPES_TEXT = """\
Discovered 10 table(s) and 2 view(s):
  public.authors (2 cols, 1 fks, ~0 rows)
  public.books (2 cols, 1 fks, ~0 rows)
  public.comments (4 cols, 0 fks, ~0 rows)
  public.employees (2 cols, 1 fks, ~0 rows) [self-cycle]
  public.order_items (3 cols, 1 fks, ~0 rows)
  public.orders (6 cols, 1 fks, ~0 rows)
  public.users (3 cols, 0 fks, ~0 rows)
  sales.accounts (2 cols, 1 fks, ~0 rows)
  sales.contacts (2 cols, 1 fks, ~0 rows)
  sales.invoices (3 cols, 1 fks, ~0 rows)

Views (not replicated):
  public.active_users [view]
  sales.invoice_totals [materialized_view]

Load plan (5 layer(s)):
  1. public.comments, public.employees, public.users
  2. public.orders
  3. public.order_items, sales.invoices
  4. public.authors, public.books
  5. sales.accounts, sales.contacts

Deferred FK edges (cycle break):
  public.authors -[authors_featured_book_fk]-> public.books
  sales.contacts -[contacts_account_id_fkey]-> sales.accounts

Warnings (3):
  [polymorphic_fk_warning] Table public.comments has polymorphic columns \
commentable_type/commentable_id without a catalog foreign key; referential integrity \
cannot be preserved automatically.
  [implied_fk_warning] Table public.orders column customer_email looks like a soft \
reference to public.users.email (UNIQUE) but no catalog foreign key exists. Add \
'seed_alias: public.users.email' on public.orders.customer_email to keep masked values \
consistent across both columns.
  [implied_fk_warning] Table sales.invoices column buyer_email looks like a soft \
reference to public.users.email (UNIQUE) but no catalog foreign key exists. Add \
'seed_alias: public.users.email' on sales.invoices.buyer_email to keep masked values \
consistent across both columns.
"""


def test_human_output_exact(privaci, shapes_url):
    res = inspect(privaci, shapes_url)
    assert res.code == 0, str(res)
    assert res.stdout == SHAPES_TEXT
    assert res.stderr == ""


def test_source_from_env_var(privaci, shapes_url):
    res = privaci("catalog", "inspect", env={"SOURCE_DB_URL": shapes_url})
    assert res.code == 0, str(res)
    assert res.stdout == SHAPES_TEXT


def test_source_is_left_unchanged(privaci, shapes_url, source_cluster):
    with source_cluster.connect("catalog_shapes") as conn:
        before = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace <> 'pg_catalog'::regnamespace"
        ).fetchone()
    assert inspect(privaci, shapes_url).code == 0
    with source_cluster.connect("catalog_shapes") as conn:
        after = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relnamespace <> 'pg_catalog'::regnamespace"
        ).fetchone()
    assert before == after


# ------------------------------------------------------------- snapshot

def test_snapshot_is_byte_identical_across_runs(privaci, shapes_url, source_cluster):
    first = inspect(privaci, shapes_url, "--json")
    assert first.code == 0, str(first)
    # A fresh ANALYZE of an unchanged (empty) source changes nothing either.
    with source_cluster.connect("catalog_shapes") as conn:
        conn.execute("ANALYZE")
    second = inspect(privaci, shapes_url, "--json")
    assert second.code == 0, str(second)
    assert first.stdout == second.stdout
    doc = json.loads(first.stdout)
    # Pretty form of cli.md §3.13: 2-space indent, sorted keys, trailing newline.
    assert first.stdout == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_snapshot_content(privaci, shapes_url):
    _, doc = inspect_json(privaci, shapes_url)
    assert sorted(doc) == ["load_plan", "skipped_objects", "tables", "views", "warnings"]
    assert list(doc["tables"]) == sorted(doc["tables"])
    assert "_privaci.runs" not in doc["tables"]

    plan = doc["load_plan"]
    assert plan["layers"] == [
        ["public.comments", "public.employees", "public.users"],
        ["public.orders"],
        ["public.order_items", "sales.invoices"],
        ["public.authors", "public.books"],
        ["sales.accounts", "sales.contacts"],
    ]
    assert plan["deferred_edges"] == [
        {"foreign_key_name": "authors_featured_book_fk", "referenced_table": "public.books",
         "referencing_table": "public.authors"},
        {"foreign_key_name": "contacts_account_id_fkey", "referenced_table": "sales.accounts",
         "referencing_table": "sales.contacts"},
    ]

    users = doc["tables"]["public.users"]
    assert users["schema_name"] == "public" and users["table_name"] == "users"
    assert users["estimated_rows"] == 0.0
    assert users["primary_key"] == ["id"]
    assert users["unique_constraints"] == [["email"]]
    uid = users["columns"][0]
    assert uid["name"] == "id" and uid["data_type"] == "integer" and uid["not_null"]
    assert uid["default_expression"] == "nextval('public.users_id_seq'::regclass)"
    assert uid["uses_serial"] is True and uid["is_identity"] is False
    assert uid["identity_generation"] is None
    assert uid["sequence_name"] == "public.users_id_seq"
    assert users["columns"][2]["data_type"] == "character varying(80)"
    idx = {i["name"]: i for i in users["indexes"]}
    assert "users_pkey" not in idx
    assert idx["users_email_key"]["is_unique"] and idx["users_email_key"]["columns"] == ["email"]
    lower = idx["users_lower_email_idx"]
    assert lower["is_unique"] and lower["has_expressions"] and lower["columns"] == []
    assert lower["definition"].startswith("CREATE UNIQUE INDEX users_lower_email_idx ON public.users")

    orders = doc["tables"]["public.orders"]
    oid = orders["columns"][0]
    assert oid["is_identity"] and oid["identity_generation"] == "ALWAYS"
    assert oid["uses_serial"] is False and oid["sequence_name"] == "public.orders_id_seq"
    cents = next(c for c in orders["columns"] if c["name"] == "total_cents")
    assert cents["default_expression"] is None
    assert "total" in cents["generated_expression"]
    assert orders["check_constraints"] == [
        {"definition": "CHECK ((total >= (0)::numeric))", "name": "orders_total_check"}]
    (fk,) = orders["foreign_keys"]
    assert fk == {
        "deferrable": False, "initially_deferred": False, "name": "orders_user_id_fkey",
        "on_delete": "CASCADE", "on_update": "NO ACTION", "referenced_columns": ["id"],
        "referenced_schema": "public", "referenced_table": "users", "source_columns": ["user_id"],
    }
    assert {i["name"]: i["is_unique"] for i in orders["indexes"]} == {"orders_created_idx": False}

    authors_fk = doc["tables"]["public.authors"]["foreign_keys"][0]
    assert authors_fk["deferrable"] and authors_fk["initially_deferred"]
    assert doc["tables"]["sales.accounts"]["foreign_keys"][0]["on_update"] == "SET NULL"
    assert doc["tables"]["public.order_items"]["primary_key"] == ["order_id", "line"]
    assert doc["tables"]["public.employees"]["self_cycle"] is True
    comments = doc["tables"]["public.comments"]
    assert comments["columns"][3]["collation"] == 'pg_catalog."C"'
    assert users["columns"][1]["collation"] is None
    partial = next(i for i in comments["indexes"] if i["name"] == "comments_body_partial")
    assert partial["is_partial"] and partial["columns"] == ["body"]
    for table in doc["tables"].values():
        assert table["is_partitioned"] is False and table["parent_partition"] is None

    assert doc["views"] == [
        {"kind": "view", "schema_name": "public", "view_name": "active_users"},
        {"kind": "materialized_view", "schema_name": "sales", "view_name": "invoice_totals"},
    ]
    skipped = {(s["kind"], s["schema_name"], s["object_name"], s["parent_table"])
               for s in doc["skipped_objects"]}
    assert skipped == {
        ("publication", None, "catalog_pub", None),
        ("policy", "public", "comments_visible", "comments"),
        ("row_security", "public", "ENABLE", "comments"),
        ("rule", "public", "orders_no_delete", "orders"),
        ("trigger", "public", "users_touch", "users"),
    }
    codes = [(w["code"], w["table_id"]) for w in doc["warnings"]]
    assert codes == [("polymorphic_fk_warning", "public.comments"),
                     ("implied_fk_warning", "public.orders"),
                     ("implied_fk_warning", "sales.invoices")]


# ----------------------------------------------------------- partitions

def test_partitions(privaci, partitions_url):
    res = inspect(privaci, partitions_url)
    assert res.code == 0, str(res)
    _, doc = inspect_json(privaci, partitions_url)
    tables = doc["tables"]

    parent = tables["public.measurements"]
    assert parent["is_partitioned"] and parent["partition_strategy"] == "RANGE"
    assert parent["partition_key_def"] == "RANGE (taken_on)"
    assert len(parent["partition_children"]) == 24
    assert parent["partition_children"] == sorted(parent["partition_children"])
    jan = tables["public.measurements_2023_01"]
    assert jan["parent_partition"] == "public.measurements"
    assert jan["partition_bound"] == "FOR VALUES FROM ('2023-01-01') TO ('2023-02-01')"
    assert jan["primary_key"] == ["id", "taken_on"]
    assert jan["foreign_keys"] == []  # the parent's FK stands for its children

    customers = tables["public.customers"]
    assert customers["partition_strategy"] == "LIST"
    assert tables["public.customers_eu"]["partition_bound"] == "FOR VALUES IN ('EU')"
    assert tables["public.customers_other"]["partition_bound"] == "DEFAULT"
    assert tables["public.sessions"]["partition_strategy"] == "HASH"
    assert tables["public.sessions_1"]["partition_bound"] == \
        "FOR VALUES WITH (modulus 2, remainder 1)"

    sub = tables["public.events_click"]
    assert sub["is_partitioned"] and sub["parent_partition"] == "public.events"
    assert sub["partition_children"] == ["public.events_click_2024"]

    # The FK from the partitioned parent makes every child wait for sensors.
    layers = doc["load_plan"]["layers"]
    first = layers[0]
    assert "public.sensors" in first and "public.measurements" in first
    assert all(c in layers[1] for c in parent["partition_children"])
    assert doc["load_plan"]["deferred_edges"] == []

    sub_warnings = [w for w in doc["warnings"] if w["code"] == "sub_partitioning"]
    assert sub_warnings == [{
        "code": "sub_partitioning", "table_id": "public.events_click",
        "message": "Table public.events_click is sub-partitioned; v1.0 supports only "
                   "single-level partitioning."}]
    assert "  [sub_partitioning] Table public.events_click is sub-partitioned; v1.0 supports " \
           "only single-level partitioning.\n" in res.stdout
    assert res.stdout.startswith(f"Discovered {len(tables)} table(s) and 0 view(s):\n")
    assert "  public.measurements_2023_01 (4 cols, 0 fks, ~0 rows)\n" in res.stdout
    assert "  public.measurements (4 cols, 1 fks, " in res.stdout


# ------------------------------------------------------ hostile identifiers

def test_hostile_identifiers(privaci, hostile_url):
    res = inspect(privaci, hostile_url)
    assert res.code == 0, str(res)
    assert '  Sales Data.Order "Items" (4 cols, 0 fks, ~0 rows)\n' in res.stdout
    assert "  public.日本 (2 cols, 1 fks, ~0 rows)\n" in res.stdout
    assert "  public.user (2 cols, 0 fks, ~0 rows)\n" in res.stdout

    _, doc = inspect_json(privaci, hostile_url)
    items = doc["tables"]['Sales Data.Order "Items"']
    assert items["schema_name"] == "Sales Data"
    assert items["table_name"] == 'Order "Items"'
    assert [c["name"] for c in items["columns"]] == ["Id", "select", "naïve ünïcode", "from"]
    assert items["primary_key"] == ["Id"]
    (fk,) = doc["tables"]["public.日本"]["foreign_keys"]
    assert fk["name"] == 'fk "quoted"'
    assert (fk["referenced_schema"], fk["referenced_table"]) == ("Sales Data", 'Order "Items"')
    assert fk["referenced_columns"] == ["Id"]
    serial = doc["tables"]["Sales Data.Table"]["columns"][0]
    assert serial["sequence_name"] == '"Sales Data"."Table_id_seq"'
    assert serial["default_expression"] == \
        "nextval('\"Sales Data\".\"Table_id_seq\"'::regclass)"
    assert doc["load_plan"]["layers"] == [
        ['Sales Data.Order "Items"', "public.user"],
        ["Sales Data.Table", "public.日本"],
    ]


def test_control_character_identifier_exits_2(privaci, source_cluster):
    url = _load(source_cluster, "catalog_control", None)
    with source_cluster.connect("catalog_control") as conn:
        conn.execute('CREATE TABLE public."bad\nname" (id integer)')
    res = inspect(privaci, url)
    assert res.code == 2, str(res)
    assert res.stdout == ""
    assert res.stderr == (
        "Context: Quoting a SQL identifier\n"
        "Cause: Identifier 'bad\\x0aname' contains a control character.\n"
        "Remediation: Rename the offending object in the source database.\n"
        "See: docs/error-codes.md#exit-code-2-pre-flight-failure\n")


# ------------------------------------------------------------- warnings

def test_never_analyzed_table_warns(privaci, source_cluster):
    url = _load(source_cluster, "catalog_fresh", None, analyze=False)
    with source_cluster.connect("catalog_fresh") as conn:
        conn.execute("CREATE TABLE public.analyzed (id integer PRIMARY KEY)")
        conn.execute("ANALYZE public.analyzed")
        conn.execute("CREATE TABLE public.fresh (id integer PRIMARY KEY)")
    res = inspect(privaci, url)
    assert res.code == 0, str(res)
    assert "  public.fresh (1 cols, 0 fks, ~unknown rows)\n" in res.stdout
    assert "  public.analyzed (1 cols, 0 fks, ~0 rows)\n" in res.stdout
    assert res.stdout.endswith(
        "\nWarnings (1):\n"
        "  [never_analyzed] Table public.fresh has never been analyzed; run ANALYZE for "
        "better batch sizing.\n")
    _, doc = inspect_json(privaci, url)
    assert doc["tables"]["public.fresh"]["estimated_rows"] == -1.0
    assert '"estimated_rows": -1.0' in inspect(privaci, url, "--json").stdout


def test_empty_source(privaci, source_cluster):
    url = _load(source_cluster, "catalog_empty", None)
    res = inspect(privaci, url)
    assert res.code == 0, str(res)
    assert res.stdout == "Discovered 0 table(s) and 0 view(s):\n\nLoad plan (0 layer(s)):\n"


# --------------------------------------------------------------- failures

UNREACHABLE = (
    "Context: Connecting to the source database\n"
    "Cause: The source database is not reachable.\n"
    "Remediation: Verify SOURCE_DB_URL and that the database is running.\n"
    "See: docs/error-codes.md#exit-code-2-pre-flight-failure\n")


def test_unreachable_source_exits_2_without_secrets(privaci, tmp_path):
    url = "postgresql://alice:S3cretPassw0rd@127.0.0.1:1/nowhere?connect_timeout=3"
    res = inspect(privaci, url)
    assert res.code == 2, str(res)
    assert res.stdout == ""
    assert res.stderr == UNREACHABLE
    res = privaci("catalog", "inspect", env={"SOURCE_DB_URL": url})
    assert res.code == 2 and res.stderr == UNREACHABLE
    res = privaci("--log-level", "debug", "catalog", "inspect", "--source", url)
    assert res.code == 2
    assert "S3cretPassw0rd" not in res.output


def test_unknown_database_exits_2(privaci, source_cluster):
    res = inspect(privaci, source_cluster.url("no_such_db_here"))
    assert res.code == 2, str(res)
    assert res.stderr == UNREACHABLE


def test_missing_source_exits_2(privaci):
    res = privaci("catalog", "inspect")
    assert res.code == 2, str(res)
    assert "Cause: No source connection string was provided.\n" in res.stderr


def test_role_without_catalog_access_exits_2(privaci, source_cluster):
    url = _load(source_cluster, "catalog_locked", None)
    with source_cluster.connect("catalog_locked") as conn:
        conn.execute("DROP ROLE IF EXISTS catalog_locked_reader")
        conn.execute("CREATE ROLE catalog_locked_reader LOGIN")
        # pg_class's ACL is per database: this locks only the fixture database.
        conn.execute("REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC")
    reader_url = url.replace("postgresql://postgres@", "postgresql://catalog_locked_reader@")
    try:
        res = inspect(privaci, reader_url)
        assert res.code == 2, str(res)
        assert res.stderr == (
            "Context: Introspecting source database catalogs\n"
            "Cause: Role lacks SELECT on pg_catalog system tables.\n"
            "Remediation: Grant CONNECT on the database and USAGE on schemas, or use a role "
            "with read access to pg_catalog.\n"
            "See: docs/error-codes.md#exit-code-2-pre-flight-failure\n")
    finally:
        source_cluster.drop_db("catalog_locked")
        with source_cluster.connect("postgres") as conn:
            conn.execute("DROP ROLE IF EXISTS catalog_locked_reader")

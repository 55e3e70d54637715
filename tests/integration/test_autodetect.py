"""Auto-detect (spec/autodetect.md) through `privaci dry-run` and `privaci run`
against real clusters: the plan lines and counts of cli.md §3.2 on a source
with typical PII columns, the markdown report of §7, strict mode (§6) with
its exact texts — with `--report` the report is written before it fails —,
explicit `passthrough` suppressing detection, the NER model a high freeform
finding needs, and the `column.pii_detected` audit rows (§8) of a run.

Confidence depends on `pg_stats.avg_width`, so every source is ANALYZEd; the
freeform columns hold synthetic text of a chosen width.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_preflight import (ENV, Dbs, assert_preflight_failure, ccr, events_of,
                            preflight_event)

REPO = Path(__file__).resolve().parents[2]

SOURCE_SQL = """
CREATE TABLE public.customers (
    id bigint PRIMARY KEY,
    email text NOT NULL UNIQUE,
    first_name text,
    last_name text,
    phone character varying(32),
    ssn character(11),
    dob date,
    address text,
    ip_address inet,
    password_hash text,
    api_token character varying(32),
    zip integer,
    notes text,
    created_at timestamptz
);
INSERT INTO public.customers
SELECT g, 'c' || g || '@example.test', 'F' || g, 'L' || g, '+1555' || g, '900-01-' || lpad(g::text, 4, '0'),
       DATE '1980-01-01' + g, g || ' Test Street', ('192.0.2.' || g)::inet, 'h' || g, 't' || g, 10000 + g,
       rpad('n' || g || ' ', 150, md5(g::text)), now()
FROM generate_series(1, 20) g;

CREATE TABLE public.products (id int PRIMARY KEY, sku text, description text);
INSERT INTO public.products
SELECT g, 'sku' || g, rpad('d' || g || ' ', 400, md5(g::text)) FROM generate_series(1, 10) g;

CREATE TABLE public.events (id int, day date NOT NULL, user_email text) PARTITION BY RANGE (day);
CREATE TABLE public.events_2024 PARTITION OF public.events
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE public.events_2025 PARTITION OF public.events
  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO public.events SELECT g, DATE '2024-12-20' + g, 'e' || g || '@example.test'
FROM generate_series(1, 30) g;

CREATE TABLE public.settings (id int PRIMARY KEY, admin_email text);
INSERT INTO public.settings VALUES (1, 'admin@example.test');
ANALYZE;
"""

CONFIG = """\
version: "1.0"
implied_fk_ignore: [public.events.user_email, public.settings.admin_email]
tables:
  public.customers:
    columns:
      last_name: { action: passthrough }
  public.settings:
    strategy: exclude
"""

PLAN = """\
Pre-flight OK (6 table(s) in source):
Auto-detect: 9 column(s) to mask, 2 uncertain for review
  public.customers: strategy=transform (~20 rows, batch 10000)
      mask: email -> fake/email (autodetect)
      mask: first_name -> fake/first_name (autodetect)
      keep: last_name (config)
      mask: phone -> fake/phone (autodetect)
      mask: ssn -> fake/ssn (autodetect)
      mask: dob -> fake/dob (autodetect)
      mask: address -> fake/address (autodetect)
      mask: ip_address -> fake/ip_address (autodetect)
      mask: password_hash -> static (autodetect)
      review: notes (uncertain, matched notes_substring)
  public.events: strategy=transform (partitioned, 2 partition(s), ~30 rows, batch 10000)
      mask: user_email -> fake/email (autodetect)
  public.products: strategy=transform (~10 rows, batch 10000)
      review: description (uncertain, matched description)
  public.settings: strategy=exclude (~1 rows)
"""

CUSTOMERS_REPORT = """\
## public.customers

### Masked (auto-detect)
- `email`: fake, provider=email, pattern=email (high)
- `first_name`: fake, provider=first_name, pattern=first_name (high)
- `phone`: fake, provider=phone, pattern=phone (high)
- `ssn`: fake, provider=ssn, pattern=ssn (high)
- `dob`: fake, provider=dob, pattern=dob (high)
- `address`: fake, provider=address, pattern=address (high)
- `ip_address`: fake, provider=ip_address, pattern=ip_address (high)
- `password_hash`: static, pattern=password_hash (high)

### Explicit config
- `last_name`: passthrough (high)

### Uncertain (manual review)
- `notes`: passthrough, pattern=notes_substring (medium)

### Passthrough
- `id`: passthrough (low)
- `api_token`: passthrough, pattern=token (low)
- `zip`: passthrough, pattern=zip (low)
- `created_at`: passthrough (low)

"""

UNCOVERED = ("Uncovered PII columns: public.customers.address, public.customers.dob, "
             "public.customers.email, public.customers.first_name, public.customers.ip_address, "
             "public.customers.notes, public.customers.password_hash, public.customers.phone, "
             "public.customers.ssn, public.events.user_email, public.products.description")
STRICT_CONTEXT = "Validating strict auto-detect coverage"
STRICT_REMEDIATION = ("Add each column to mask-rules.yaml or set strict_autodetect: false. "
                      "Example: Add 'users.email' to mask-rules.yaml or pass "
                      "--no-strict-autodetect to acknowledge.")


@pytest.fixture
def dbs(source_cluster, target_cluster):
    pair = Dbs(source_cluster, target_cluster, source_sql=SOURCE_SQL)
    yield pair
    pair.drop()


def dry_run(privaci, write_config, dbs, config=CONFIG, *extra):
    cfg = write_config(config)
    return privaci("dry-run", "--config", cfg, "--source", dbs.source_url(),
                   "--target", dbs.target_url(), *extra, env=ENV)


def report_section(text: str, table: str) -> str:
    start = text.index(f"## {table}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end + 1]


# ------------------------------------------------------------------ the plan

def test_plan_lines_and_counts(privaci, write_config, dbs):
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs)
    assert r.code == 0, r
    assert r.stderr == PLAN + "Dry run complete; no writes performed.\n"
    # Partition children are covered by their parent's line; no value is ever shown.
    assert "events_2024" not in r.stderr
    for value in ("c1@example.test", "900-01-0001", "192.0.2.1", "Test Street", "admin@"):
        assert value not in r.output, value
    checks = {c["name"]: c["status"] for c in preflight_event(r.stdout, "preflight.ok")["checks"]}
    assert checks["strict_autodetect"] == "skipped"
    assert dbs.target_state() == before


def test_report(privaci, write_config, dbs, tmp_path):
    dest = tmp_path / "reports" / "autodetect.md"
    r = dry_run(privaci, write_config, dbs, CONFIG, "--report", str(dest))
    assert r.code == 0, r
    assert r.stderr == (PLAN + f"Wrote detection report to {dest}\n"
                        "Dry run complete; no writes performed.\n")
    text = dest.read_text(encoding="utf-8")
    assert text.startswith("# PrivaCI auto-detect report\n\nTables inspected: 6\n"
                           "Auto-detect: on\nStrict mode: off\n\n## public.customers\n")
    assert text.endswith("\n\n") and "\r" not in text
    # One section per scanned config table, sorted; excluded tables and children absent.
    sections = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert sections == ["public.customers", "public.events", "public.products"]
    assert report_section(text, "public.customers") == CUSTOMERS_REPORT
    assert report_section(text, "public.events") == (
        "## public.events\n\n"
        "### Masked (auto-detect)\n- `user_email`: fake, provider=email, pattern=email_suffix "
        "(high)\n\n"
        "### Explicit config\n- _(none)_\n\n"
        "### Uncertain (manual review)\n- _(none)_\n\n"
        "### Passthrough\n- `id`: passthrough (low)\n- `day`: passthrough (low)\n\n")
    assert report_section(text, "public.products") == (
        "## public.products\n\n"
        "### Masked (auto-detect)\n- _(none)_\n\n"
        "### Explicit config\n- _(none)_\n\n"
        "### Uncertain (manual review)\n- `description`: passthrough, pattern=description "
        "(medium)\n\n"
        "### Passthrough\n- `id`: passthrough (low)\n- `sku`: passthrough (low)\n\n")
    for value in ("c1@example.test", "900-01-0001", "Test Street", "sku1"):
        assert value not in text, value


def test_auto_detect_off(privaci, write_config, dbs, tmp_path):
    dest = tmp_path / "r.md"
    r = dry_run(privaci, write_config, dbs, "auto_detect: false\nstrict_autodetect: true\n" + CONFIG,
                "--report", str(dest))
    assert r.code == 0, r  # nothing matched, so nothing is uncovered
    assert "Auto-detect: 0 column(s) to mask, 0 uncertain for review\n" in r.stderr
    assert "mask:" not in r.stderr and "review:" not in r.stderr
    assert "      keep: last_name (config)\n" in r.stderr
    text = dest.read_text(encoding="utf-8")
    assert "Auto-detect: off\nStrict mode: on\n" in text
    customers = report_section(text, "public.customers")
    assert "### Masked (auto-detect)\n- _(none)_\n" in customers
    assert "- `email`: passthrough (low)\n" in customers  # no pattern: the scanner did not run


# ------------------------------------------------------------------ strict mode

def test_strict_mode_fails_with_the_exact_texts(privaci, write_config, dbs):
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs, "strict_autodetect: true\n" + CONFIG)
    block = assert_preflight_failure(r, 3, "strict_autodetect", STRICT_CONTEXT, UNCOVERED,
                                     STRICT_REMEDIATION)
    assert block["see"] == "docs/error-codes.md#exit-code-3-config-validation-failure"
    assert "Pre-flight OK" not in r.stderr  # nothing after the failing check
    assert dbs.target_state() == before
    # The CLI flag enables it too, and --no-strict-autodetect wins over the config.
    r = dry_run(privaci, write_config, dbs, CONFIG, "--strict-autodetect")
    assert r.code == 3 and ccr(r.stderr)["cause"] == UNCOVERED, r
    r = dry_run(privaci, write_config, dbs, "strict_autodetect: true\n" + CONFIG,
                "--no-strict-autodetect")
    assert r.code == 0, r


def test_strict_mode_writes_the_report_first(privaci, write_config, dbs, tmp_path):
    dest = tmp_path / "ci" / "autodetect.md"
    r = dry_run(privaci, write_config, dbs, CONFIG, "--strict-autodetect", "--report", str(dest))
    assert r.code == 3, r
    assert dest.is_file()
    text = dest.read_text(encoding="utf-8")
    assert "Strict mode: on\n" in text
    assert report_section(text, "public.customers") == CUSTOMERS_REPORT
    # Plan, then the report line, then the error; never the success line.
    assert r.stderr.startswith(PLAN + f"Wrote detection report to {dest}\n"), r
    assert "Dry run complete" not in r.stderr
    block = ccr(r.stderr)
    assert (block["context"], block["cause"], block["remediation"]) == (
        STRICT_CONTEXT, UNCOVERED, STRICT_REMEDIATION)
    ok = preflight_event(r.stdout, "preflight.ok")
    checks = {c["name"]: (c["status"], c["detail"]) for c in ok["checks"]}
    assert checks["strict_autodetect"] == ("skipped", "applied after the report is written")
    errors = [e for e in events_of(r.stdout) if e.get("event") == "error"]
    assert len(errors) == 1 and errors[0]["exit_code"] == 3 and errors[0]["cause"] == UNCOVERED


def test_explicit_entries_cover_and_suppress(privaci, write_config, dbs):
    """Explicit config always wins, passthrough included: no mask line, not uncovered."""
    config = """\
version: "1.0"
strict_autodetect: true
tables:
  public.customers:
    columns:
      email: { action: passthrough }
      first_name: { action: passthrough }
      last_name: { action: passthrough }
      phone: { action: passthrough }
      ssn: { action: passthrough }
      dob: { action: passthrough }
      address: { action: passthrough }
      ip_address: { action: passthrough }
      password_hash: { action: passthrough }
      notes: { action: passthrough }
  public.events:
    columns:
      user_email: { action: passthrough }
  public.products:
    columns:
      description: { action: passthrough }
  public.settings:
    strategy: exclude
"""
    r = dry_run(privaci, write_config, dbs, config)
    assert r.code == 0, r
    assert "Auto-detect: 0 column(s) to mask, 0 uncertain for review\n" in r.stderr
    assert "mask:" not in r.stderr and "review:" not in r.stderr
    assert "      keep: email (config)\n" in r.stderr
    assert "      keep: user_email (config)\n" in r.stderr
    checks = {c["name"]: c["status"] for c in preflight_event(r.stdout, "preflight.ok")["checks"]}
    assert checks["strict_autodetect"] == "ok"
    # Dropping one entry uncovers exactly that column.
    r = dry_run(privaci, write_config, dbs, config.replace(
        "      ssn: { action: passthrough }\n", ""))
    assert_preflight_failure(r, 3, "strict_autodetect", STRICT_CONTEXT,
                             "Uncovered PII columns: public.customers.ssn", STRICT_REMEDIATION)


def test_high_freeform_finding_needs_the_ner_model(privaci, write_config, dbs, tmp_path):
    """support_tickets.agent_notes, text, avg_width ≈ 340: high → ner_mask (autodetect.md §5)."""
    with dbs.source.connect(dbs.source_db) as conn:
        conn.execute("CREATE TABLE public.support_tickets (id int PRIMARY KEY, agent_notes text);"
                     "INSERT INTO public.support_tickets SELECT g, rpad('t' || g || ' ', 340,"
                     " md5(g::text)) FROM generate_series(1, 10) g; ANALYZE public.support_tickets")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "autodetect").symlink_to(REPO / "data" / "autodetect")
    cfg = write_config(CONFIG)
    r = privaci("dry-run", "--config", cfg, "--source", dbs.source_url(),
                "--target", dbs.target_url(), env={**ENV, "PRIVACI_DATA_DIR": str(data_dir)})
    assert_preflight_failure(r, 2, "ner_model", "Loading the NER model",
                             f"The NER model at {data_dir}/ner could not be loaded.",
                             "Install the privaci data files or set PRIVACI_DATA_DIR.")
    # An explicit passthrough takes the column out of NER's hands.
    r = dry_run(privaci, write_config, dbs, CONFIG + "  public.support_tickets:\n    columns:\n"
                "      agent_notes: { action: passthrough }\n")
    assert r.code == 0, r


def test_missing_pattern_library(privaci, write_config, dbs, tmp_path):
    cfg = write_config(CONFIG)
    r = privaci("dry-run", "--config", cfg, "--source", dbs.source_url(),
                "--target", dbs.target_url(), env={**ENV, "PRIVACI_DATA_DIR": str(tmp_path)})
    assert r.code == 2, r
    block = ccr(r.stderr)
    assert block["context"] == "Loading the auto-detect patterns"
    assert block["cause"] == (f"The auto-detect pattern file {tmp_path}/autodetect/patterns.yaml "
                              "could not be loaded: it does not exist.")
    ev = preflight_event(r.stdout, "preflight.fail")
    assert ev["checks"][-1] == {"name": "resolve_plan", "status": "fail",
                                "detail": block["cause"]}
    # auto_detect: false needs no pattern library.
    cfg = write_config("auto_detect: false\n" + CONFIG)
    r = privaci("dry-run", "--config", cfg, "--source", dbs.source_url(),
                "--target", dbs.target_url(), env={**ENV, "PRIVACI_DATA_DIR": str(tmp_path)})
    assert r.code == 0, r


# ------------------------------------------------------------------ audit rows

def test_run_writes_one_audit_row_per_finding(privaci, write_config, dbs):
    """This build refuses auto_detect runs until masking lands; with auto_detect: false
    every inspected column still gets its classification row (autodetect.md §8)."""
    config = """\
version: "1.0"
auto_detect: false
tables:
  public.customers:
    columns:
      last_name: { action: passthrough }
  public.settings:
    strategy: exclude
"""
    cfg = write_config(config)
    r = privaci("run", "--config", cfg, "--source", dbs.source_url(),
                "--target", dbs.target_url(), "--no-progress", env=ENV, timeout=300)
    assert r.code == 0, r
    run_id = next(e["run_id"] for e in r.events if e["event"] == "run.start")
    # Classifications are audit rows, never events.
    assert not [e for e in r.events if "pii_detected" in json.dumps(e)]
    with dbs.target.connect(dbs.target_db) as conn:
        rows = conn.execute(
            "SELECT level, schema_name, table_name, column_name, payload FROM _privaci.audit_log"
            " WHERE run_id = %s AND event_type = 'column.pii_detected' ORDER BY audit_id",
            (run_id,)).fetchall()
    # customers (14 columns), events (parent only: 3), products (3); settings is excluded.
    keys = [(r[1], r[2], r[3]) for r in rows]
    assert len(keys) == 20 and len(set(keys)) == 20, keys
    assert {k[1] for k in keys} == {"customers", "events", "products"}
    assert [k[2] for k in keys if k[1] == "events"] == ["id", "day", "user_email"]
    by_column = {(r[2], r[3]): r for r in rows}
    assert all(r[0] == "info" and r[1] == "public" for r in rows)
    assert by_column[("customers", "last_name")][4] == {
        "confidence": "high", "matched_pattern": None, "provider": None,
        "action": "passthrough", "source": "config", "reasons": ["explicit config"]}
    assert by_column[("customers", "email")][4] == {
        "confidence": "low", "matched_pattern": None, "provider": None, "action": None,
        "source": "autodetect", "reasons": ["auto-detect disabled"]}
    # Value-free: no cell value in any payload.
    text = json.dumps([r[4] for r in rows])
    for value in ("example.test", "900-01", "192.0.2", "Test Street"):
        assert value not in text, value

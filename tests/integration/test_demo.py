"""The embedded demo's data and config through `privaci run` (issue 7's "done
when"): the target holds no source PII in any masked or auto-detected column,
joins still work, and two runs with the same salt agree byte for byte.

The demo source (demo/source.sql) and config (demo/mask-rules.yaml) are the
ones `make demo` uses; this test loads them into the session's clusters.
"""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO
from test_masking import library_values
from test_run import assert_succeeded, fresh_source, fresh_target, query, scalar

SALT = "demo-test-salt-0123456789abcdef0123456789abcdef"
# Soft and hard relationships of the demo, as (description, query) pairs.
JOINS = [
    "SELECT count(*) FROM clinic.appointments a JOIN clinic.patients p ON p.id = a.patient_id",
    "SELECT count(*) FROM helpdesk.satisfaction_surveys s "
    "JOIN clinic.patients p ON p.email = s.patient_email",
    "SELECT count(*) FROM clinic.doctors d JOIN clinic.doctors m ON m.id = d.mentor_id",
    "SELECT count(*) FROM helpdesk.tickets t JOIN helpdesk.agents a ON a.id = t.agent_id",
    "SELECT count(*) FROM analytics.events e JOIN clinic.patients p ON p.id = e.patient_id",
]


def names_in_source(cluster, db) -> set[str]:
    """Every first and last name and city the demo generator used."""
    words = set()
    for q in ("SELECT first_name FROM clinic.patients", "SELECT last_name FROM clinic.patients",
              "SELECT city FROM clinic.patients"):
        words.update(r[0] for r in query(cluster, db, q))
    return words


def run_demo(privaci, tmp_path, source_cluster, target_cluster, src, tgt):
    return privaci("run", "--config", REPO / "demo" / "mask-rules.yaml", "--source",
                   source_cluster.url(src), "--target", target_cluster.url(tgt), "--no-progress",
                   env={"PRIVACI_DEMO_SALT": SALT}, timeout=600)


def test_demo_masks_pii_keeps_joins_and_is_deterministic(privaci, tmp_path, source_cluster,
                                                          target_cluster):
    script = (REPO / "demo" / "source.sql").read_text(encoding="utf-8")
    # The script is written for psql; its only meta-command is ON_ERROR_STOP.
    script = "\n".join(line for line in script.splitlines() if not line.startswith("\\"))
    src = fresh_source(source_cluster, "demo_src", extra_sql=script)
    with source_cluster.connect(src) as conn:
        conn.execute("ANALYZE")
    tgt = fresh_target(target_cluster, "demo_tgt")
    res = run_demo(privaci, tmp_path, source_cluster, target_cluster, src, tgt)
    run_id, _ = assert_succeeded(res, target_cluster, tgt)
    assert SALT not in res.stdout + res.stderr

    masked = query(target_cluster, tgt, """
        SELECT schema_name, table_name, column_name, payload->>'action'
        FROM _privaci.audit_log WHERE run_id = %s AND event_type = 'column.masked'
          AND column_name IS NOT NULL ORDER BY 1, 2, 3""", (run_id,))
    paths = {f"{s}.{t}.{c}" for s, t, c, _ in masked}
    # What auto-detect must have found on its own, and the config's rules.
    for path in ("clinic.patients.first_name", "clinic.patients.last_name",
                 "clinic.patients.phone", "clinic.patients.ssn", "clinic.patients.dob",
                 "clinic.doctors.email", "helpdesk.agents.email", "clinic.invoices.card_number",
                 "clinic.patients.mrn", "clinic.appointments.notes", "helpdesk.tickets.body"):
        assert path in paths, (path, sorted(paths))

    # The ip_address provider's whole output space (RFC 5737 TEST-NETs) counts
    # as library values: the demo's own visitor IPs lie in 192.0.2.0/24.
    library = library_values() | {f"{net}.{h}{suffix}" for net in ("192.0.2", "198.51.100", "203.0.113")
                                  for h in range(1, 256) for suffix in ("", "/32")}
    for schema, table, column, action in masked:
        q = f'SELECT DISTINCT "{column}"::text FROM "{schema}"."{table}" WHERE "{column}" IS NOT NULL'
        before = {r[0] for r in query(source_cluster, src, q)}
        after = {r[0] for r in query(target_cluster, tgt, q)}
        if action == "regex_mask":
            continue  # free text: checked for the names below
        if re.fullmatch(r"\d{4}-\d\d-\d\d", next(iter(before), "x")):
            # Dates: a small domain, so a set test would flag chance hits; a
            # row keeping its own date is rare instead (checked per row below).
            continue
        leaked = (before & after) - library
        assert not leaked, (schema, table, column, sorted(leaked)[:3])
    # dob per row: almost no patient keeps their own birth date.
    before = dict(query(source_cluster, src, "SELECT id, dob FROM clinic.patients"))
    after = dict(query(target_cluster, tgt, "SELECT id, dob FROM clinic.patients"))
    assert sum(1 for k in before if before[k] is not None and before[k] == after[k]) < 200

    # Free text: no generator name or city survives in a regex-masked column.
    words = names_in_source(source_cluster, src)
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(words))) + r")\b")
    for schema, table, column, action in masked:
        if action != "regex_mask":
            continue
        texts = query(target_cluster, tgt, f'SELECT "{column}"::text FROM "{schema}"."{table}"')
        hits = [t for (t,) in texts if t and pattern.search(t)]
        assert not hits, (schema, table, column, hits[:2])

    for q in JOINS:
        assert scalar(source_cluster, src, q) == scalar(target_cluster, tgt, q) > 0, q

    # A second run with the same salt: byte-identical tables.
    tgt2 = fresh_target(target_cluster, "demo_tgt2")
    res2 = run_demo(privaci, tmp_path, source_cluster, target_cluster, src, tgt2)
    assert_succeeded(res2, target_cluster, tgt2)
    tables = query(target_cluster, tgt, """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname IN ('clinic', 'helpdesk', 'analytics') ORDER BY 1, 2""")
    assert len(tables) >= 12
    for schema, table in tables:
        q = f'SELECT md5(t::text) FROM "{schema}"."{table}" t ORDER BY 1'
        assert query(target_cluster, tgt, q) == query(target_cluster, tgt2, q), (schema, table)

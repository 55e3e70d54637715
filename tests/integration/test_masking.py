"""`privaci run` with masking, end to end against real clusters (issue 7;
spec/masking.md, autodetect.md, state.md §6, observability.md §3).

Oracles
  - exact outputs: masking.md §14's vectors under `faker_library: classic`
    (fake providers, hash, hmac_hash, pseudonym), reproduced through the
    whole pipeline: binary COPY out, decode, mask, encode, COPY in;
  - independent re-implementations in this file of the formulas that need
    no library (`hash` §5 and its typed outputs §4.2, `hmac_hash`);
  - relationships: join row sets before and after masking, over a
    passthrough surrogate that identifies each row on both sides;
  - determinism: two runs with the same salt give byte-identical targets;
  - privacy: no source value of a masked column appears in the same target
    column, unless it is itself an entry of a faker library;
  - events and audit rows: `column.masked` with action, provider and
    rows_affected; no value in any of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import time
import unicodedata
from pathlib import Path

import pytest

from conftest import REPO, clean_env, privaci_bin
from test_run import (assert_same_rows, assert_succeeded, checkpoints, fresh_source,
                      fresh_target, query, scalar)

SALT = "test-salt-0123456789abcdef0123456789abcdef"
KEY = "pseudonym-key-0123456789abcdef0123456789"
ENV = {"ANONYMIZATION_SALT": SALT, "PSEUDONYM_KEY": KEY}
FAKER = REPO / "data" / "faker"


def run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, config, *args,
        timeout=600):
    cfg = tmp_path / f"{tgt}.yaml"
    cfg.write_text(config, encoding="utf-8")
    return privaci("run", "--config", cfg, "--source", source_cluster.url(src), "--target",
                   target_cluster.url(tgt), "--no-progress", *args, env=ENV, timeout=timeout)


def lp(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return len(b).to_bytes(4, "big") + b


def sha_hex(v: str) -> str:
    return hashlib.sha256(SALT.encode() + v.encode()).hexdigest()


def digest(v: str) -> bytes:
    return hashlib.sha256(SALT.encode() + v.encode()).digest()


def hmac_digest(path: str, v: str) -> bytes:
    return hmac.new(KEY.encode(), lp(path) + lp(unicodedata.normalize("NFC", v)),
                    hashlib.sha256).digest()


def library_values(library: str = "standard") -> set[str]:
    values = set()
    for f in (FAKER / library).glob("*.txt"):
        values.update(line for line in f.read_text(encoding="utf-8").splitlines() if line)
    return values


def masked_events(res) -> dict[tuple[str, str], dict]:
    return {(e["table_name"], e["column_name"]): e for e in res.events
            if e["event"] == "column.masked"}


# ------------------------------------------------------------------ §14 vectors

VECTOR_SQL = """
CREATE TABLE users (
    id int PRIMARY KEY,
    email text, first_name text, last_name text, full_name text, phone text,
    street text, address text, city text, postcode text, country text, ip text,
    ssn text, cc text, ext_id text, company text, title text, username text,
    dob text, pw text, token text);
INSERT INTO users VALUES
 (1, 'alice@example.com', 'Alice', 'Smith', 'Alice Smith', '+44 20 7946 0958',
  '1 Main St', '1 Main St, Springfield', 'Springfield', '12345', 'FR', '10.1.2.3',
  '123-45-6789', '4000123412341234', '6f1c2b1e-0000-4000-8000-000000000001', 'Initech',
  'CEO', 'alice99', '1990-01-15', 'hunter2', 'alice@example.com'),
 (2, NULL, '', '', NULL, '(555) 010-9999', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, 'not-a-date', NULL, '42');
"""

VECTOR_CONFIG = """version: "1.0"
auto_detect: false
faker_library: classic
tables:
  public.users:
    columns:
      email: {action: fake, provider: email}
      first_name: {action: fake, provider: first_name}
      last_name: {action: fake, provider: last_name}
      full_name: {action: fake, provider: full_name}
      phone: {action: fake, provider: phone}
      street: {action: fake, provider: street}
      address: {action: fake, provider: address}
      city: {action: fake, provider: city}
      postcode: {action: fake, provider: postcode}
      country: {action: fake, provider: country}
      ip: {action: fake, provider: ip_address}
      ssn: {action: fake, provider: ssn}
      cc: {action: fake, provider: credit_card}
      ext_id: {action: fake, provider: uuid}
      company: {action: fake, provider: company}
      title: {action: fake, provider: job_title}
      username: {action: fake, provider: username}
      dob: {action: fake, provider: dob}
      pw: {action: fake, provider: password}
      token: {action: hash}
"""


def test_spec_vectors_through_the_pipeline(privaci, tmp_path, source_cluster, target_cluster):
    src = fresh_source(source_cluster, "mask_vectors", extra_sql=VECTOR_SQL)
    tgt = fresh_target(target_cluster, "mask_vectors")
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, VECTOR_CONFIG)
    assert_succeeded(res, target_cluster, tgt)
    cols = ("email first_name last_name full_name phone street address city postcode country "
            "ip ssn cc ext_id company title username dob pw token").split()
    rows = query(target_cluster, tgt, f"SELECT {', '.join(cols)} FROM users ORDER BY id")
    got = [dict(zip(cols, r)) for r in rows]
    assert got[0] == {
        "email": "drew.patel@example.test", "first_name": "Morgan", "last_name": "Carter",
        "full_name": "Vale Underwood", "phone": "+444148204342", "street": "400 Birch Road",
        "address": "400 Birch Road, Riverton 98108, CA", "city": "Lakeside",
        "postcode": "30303", "country": "US", "ip": "198.51.100.49", "ssn": "098-59-3002",
        "cc": "4111115353637790", "ext_id": "c5631927-22f4-4ed5-9952-3fb7379207cd",
        "company": "Granite Bridge Inc", "title": "Clinical Coordinator",
        "username": "casey.dev", "dob": "1990-07-13", "pw": "privaci-test-pw",
        "token": "78c807ed4b95d800ca24c82c9dccdfa7ff2bd9b91505379e9379c9aee1d00e1e"}
    # §3: NULL stays NULL, "" stays "", and the second inputs of the vectors.
    assert got[1]["email"] is None and got[1]["full_name"] is None
    assert got[1]["first_name"] == "" and got[1]["last_name"] == ""
    assert got[1]["phone"] == "+16073050905"
    assert got[1]["dob"] == "1982-05-23"
    assert got[1]["token"] == "5144cc29772d0c29d509d5ef3a0627a95f7d7b81c742976898f841327fe3acb2"

    events = masked_events(res)
    assert events[("users", "email")]["action"] == "fake"
    assert events[("users", "email")]["provider"] == "email"
    assert events[("users", "email")]["rows_affected"] == 1  # NULL not counted
    assert events[("users", "first_name")]["rows_affected"] == 2  # "" counted (non-NULL)
    assert events[("users", "token")]["provider"] is None
    assert ("users", "id") not in events
    # Audit rows mirror the events; the table-level pipeline row; passthrough rows.
    audit = query(target_cluster, tgt, "SELECT column_name, payload FROM _privaci.audit_log "
                  "WHERE event_type = 'column.masked' AND table_name = 'users'")
    by_col = {c: p for c, p in audit}
    assert by_col["email"] == {"action": "fake", "provider": "email", "rows_affected": 1}
    assert by_col[None] == {"action": "pipeline", "rows_affected": 2}
    passed = query(target_cluster, tgt, "SELECT column_name, payload FROM _privaci.audit_log "
                   "WHERE event_type = 'column.passed_through'")
    assert passed == [("id", {"rows_affected": 2, "source": "default"})]
    # No source value in any event or audit row (whole values: a short fragment such as the
    # phone's last four digits can turn up by chance inside the random run id).
    text = res.stdout + res.stderr + json.dumps(
        query(target_cluster, tgt, "SELECT payload FROM _privaci.audit_log"))
    for secret in ("alice@example.com", "Alice", "Smith", "+44 20 7946 0958", "Initech", "hunter2", SALT):
        assert secret not in text, secret


@pytest.mark.parametrize("action,expected", [
    ("{action: hmac_hash}", "a0a9bcf3518953f21d7f6da5de54237cf5b4e085e7c0eb738a7a3affb9096769"),
    ("{action: hmac_hash, encoding: base64url}", "oKm881GJU_Idf22l3lQjfPW04IXnwOtzino6_7kJZ2k"),
    ("{action: pseudonym, provider: email}", "jordan.walsh@example.test"),
])
def test_keyed_vectors(privaci, tmp_path, source_cluster, target_cluster, action, expected):
    src = fresh_source(source_cluster, "mask_keyed", extra_sql=VECTOR_SQL)
    tgt = fresh_target(target_cluster, "mask_keyed")
    config = ('version: "1.0"\nauto_detect: false\nfaker_library: classic\n'
              f"tables:\n  public.users:\n    columns:\n      email: {action}\n")
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, config)
    assert_succeeded(res, target_cluster, tgt)
    assert scalar(target_cluster, tgt, "SELECT email FROM users WHERE id = 1") == expected
    assert KEY not in res.stdout + res.stderr


# ------------------------------------------------------------------ types

TYPES_SQL = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t (
    id int PRIMARY KEY,
    b bytea, u uuid, i2 int2, i4 int4, i8 int8, n numeric(6,0), v varchar(64),
    d date, ts timestamptz, flag bool, tags text[], m mood, note text, gone text,
    tier text, born date, code int4, p point);
INSERT INTO t
SELECT g, decode(md5(g::text), 'hex'), md5(g::text)::uuid, (g % 30000)::int2, g * 7, g::int8 << 33,
       g % 999999, 'user' || g || '@example.org', DATE '2000-01-01' + g,
       TIMESTAMPTZ '2020-01-01 00:00:00+00' + g * INTERVAL '1 hour', g % 2 = 0,
       ARRAY['a' || g, 'b'], (ARRAY['sad','ok','happy'])[g % 3 + 1]::mood,
       'call 555-' || lpad(g::text, 4, '0') || ' now', 'x' || g, 'plain', DATE '1980-05-05' + g,
       g, point(g, g)
FROM generate_series(1, 500) g;
INSERT INTO t (id, v, note, gone, tier) VALUES (1001, '', '', '', ''), (1002, NULL, NULL, NULL, NULL);
"""

TYPES_CONFIG = """version: "1.0"
auto_detect: false
tables:
  public.t:
    columns:
      b: {action: hash}
      u: {action: hash}
      i2: {action: hash}
      i4: {action: hash}
      i8: {action: hash}
      n: {action: hash}
      v: {action: fake, provider: email}
      d: {action: static, value: "1999-12-31"}
      ts: {action: fake, provider: dob}
      flag: {action: static, value: "yes"}
      tags: {action: static, value: "{x,y}"}
      m: {action: static, value: ok}
      note: {action: regex_mask, pattern: "\\\\d{3}-(\\\\d{4})", replace: "XXX-\\\\1"}
      gone: {action: "null"}
      tier: {action: static, value: gold}
      born: {action: fake, provider: dob}
      code: {action: fake, provider: postcode}
      p: {action: static, value: "(1,2)"}
"""


def test_action_and_type_pairs(privaci, tmp_path, source_cluster, target_cluster):
    src = fresh_source(source_cluster, "mask_types", extra_sql=TYPES_SQL)
    tgt = fresh_target(target_cluster, "mask_types")
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, TYPES_CONFIG)
    assert_succeeded(res, target_cluster, tgt)
    # `point` has no client codec: the masked table falls back to text COPY (§4).
    assert [e["unsupported_types"] for e in res.events if e["event"] == "binary_fallback"] \
        == [["point"]]
    cols = "id, encode(b, 'hex'), u::text, i2, i4, i8, n, v, d::text, ts, flag, tags, m::text, " \
           "note, gone, tier, born::text, code, p::text"
    src_rows = {r[0]: r for r in query(source_cluster, src, f"SELECT {cols} FROM t")}
    tgt_rows = {r[0]: r for r in query(target_cluster, tgt, f"SELECT {cols} FROM t")}
    assert src_rows.keys() == tgt_rows.keys()
    for i in range(1, 501):
        s, t = src_rows[i], tgt_rows[i]
        d = digest("\\x" + s[1])
        assert t[1] == d.hex()  # bytea: the 32 raw digest bytes (§4.2)
        du = bytearray(digest(s[2])[:16])
        du[6] = du[6] & 0x0F | 0x40
        du[8] = du[8] & 0x3F | 0x80
        hx = du.hex()
        assert t[2] == f"{hx[:8]}-{hx[8:12]}-{hx[12:16]}-{hx[16:20]}-{hx[20:]}"
        assert t[3] == int.from_bytes(digest(str(s[3]))[:8], "big") % 32768
        assert t[4] == int.from_bytes(digest(str(s[4]))[:8], "big") % 2**31
        assert t[5] == int.from_bytes(digest(str(s[5]))[:8], "big") % 2**63
        assert t[6] == int.from_bytes(digest(str(s[6]))[:8], "big") % 10**6
        assert re.fullmatch(r"[^@\s]+@[^@\s]+", t[7]) and t[7] != s[7]
        assert t[8] == "1999-12-31"
        assert t[9].year <= 2025
        assert t[10] is True
        assert t[11] == ["x", "y"]
        assert t[12] == "ok"
        assert t[13] == "call XXX-" + s[13][-8:-4] + " now"
        assert t[14] is None
        assert t[15] == "gold"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", t[16]) and t[16] != s[16]
        assert 0 <= t[17] <= 99999
        assert t[18] == "(1,2)"
    # §3 on the hand-written rows: "" stays "" except null → NULL and static → value.
    assert tgt_rows[1001][7] == "" and tgt_rows[1001][13] == ""
    assert tgt_rows[1001][14] is None and tgt_rows[1001][15] == "gold"
    assert all(v is None for v in tgt_rows[1002][1:8]) and tgt_rows[1002][15] is None
    events = masked_events(res)
    assert events[("t", "gone")]["rows_affected"] == 501  # the non-NULL cells
    assert events[("t", "tier")]["rows_affected"] == 501


def test_incompatible_output_fails_the_unit_without_values(privaci, tmp_path, source_cluster,
                                                           target_cluster):
    """A regex_mask into an enum that yields no label: the runtime guard of §4.1."""
    src = fresh_source(source_cluster, "mask_guard", extra_sql="""
        CREATE TYPE mood AS ENUM ('sad', 'ok');
        CREATE TABLE a (id int PRIMARY KEY, m mood);
        INSERT INTO a VALUES (1, 'sad'), (2, 'ok');
        CREATE TABLE b (id int PRIMARY KEY, x text);
        INSERT INTO b SELECT g, 'v' || g FROM generate_series(1, 10) g;""")
    tgt = fresh_target(target_cluster, "mask_guard")
    config = ('version: "1.0"\nauto_detect: false\ntables:\n  public.a:\n    columns:\n'
              '      m: {action: regex_mask, pattern: "s", replace: "z"}\n')
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, config)
    assert res.code == 1, res
    errors = [e for e in res.events if e["event"] == "error"]
    assert [(e["table_name"], e["context"], e["cause"]) for e in errors] == [
        ("a", "Encoding a masked value for the target column",
         "Masked value for public.a.m is not a valid public.mood; the chosen action is "
         "incompatible with the column type.")], res
    assert "Encoding a masked value for the target column" in res.stderr, res
    assert "sad" not in res.stdout + res.stderr and "zad" not in res.stdout + res.stderr
    # The other unit went on (streaming.md §8.1).
    assert scalar(target_cluster, tgt, "SELECT count(*) FROM b") == 10


# ------------------------------------------------------------------ relationships

REL_SQL = """
CREATE TABLE customers (
    id bigint PRIMARY KEY, email text UNIQUE NOT NULL, name text, tag int NOT NULL);
CREATE TABLE orders (
    id bigint PRIMARY KEY, customer_id bigint REFERENCES customers(id), tag int NOT NULL);
CREATE TABLE contacts (id int PRIMARY KEY, customer_email text, tag int NOT NULL);
CREATE TABLE employees (
    id int PRIMARY KEY, manager_id int REFERENCES employees(id), tag int NOT NULL);
INSERT INTO customers SELECT g, 'person' || g || '@corp.example', 'Name ' || (g % 50), g
  FROM generate_series(1, 3000) g;
INSERT INTO orders SELECT g, CASE WHEN g % 10 = 0 THEN NULL ELSE (g * 7) % 3000 + 1 END, g
  FROM generate_series(1, 9000) g;
INSERT INTO contacts SELECT g, 'person' || ((g * 13) % 3000 + 1) || '@corp.example', g
  FROM generate_series(1, 2000) g;
INSERT INTO employees SELECT g, CASE WHEN g = 1 THEN NULL ELSE g / 2 END, g
  FROM generate_series(1, 1000) g;
"""

REL_CONFIG = """version: "1.0"
auto_detect: false
tables:
  public.customers:
    columns:
      id: {action: hash}
      email: {action: fake, provider: email, seed_alias: customer-email}
      name: {action: fake, provider: full_name}
  public.contacts:
    columns:
      customer_email: {action: fake, provider: email, seed_alias: customer-email}
  public.employees:
    columns:
      id: {action: hash}
"""

JOINS = {
    "orders": "SELECT o.tag, c.tag FROM orders o JOIN customers c ON c.id = o.customer_id",
    "contacts": "SELECT k.tag, c.tag FROM contacts k JOIN customers c ON c.email = k.customer_email",
    "managers": "SELECT e.tag, m.tag FROM employees e JOIN employees m ON m.id = e.manager_id",
}


def test_fk_groups_and_seed_alias_keep_joins(privaci, tmp_path, source_cluster, target_cluster):
    src = fresh_source(source_cluster, "mask_rel", extra_sql=REL_SQL)
    tgt = fresh_target(target_cluster, "mask_rel")
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, REL_CONFIG)
    assert_succeeded(res, target_cluster, tgt)
    for name, q in JOINS.items():
        before = sorted(query(source_cluster, src, q))
        after = sorted(query(target_cluster, tgt, q))
        assert before == after and before, name
    # The keys really were masked, and stayed unique (§9.2 permutation / §9.1 suffix).
    pairs = query(source_cluster, src, "SELECT tag, id, email FROM customers ORDER BY tag")
    masked = dict((t, (i, e)) for t, i, e in query(target_cluster, tgt,
                                                   "SELECT tag, id, email FROM customers"))
    assert sum(1 for t, i, e in pairs if masked[t][0] == i) < 5
    assert not any(masked[t][1] == e for t, i, e in pairs)
    assert len({v[0] for v in masked.values()}) == len(masked) == 3000
    events = masked_events(res)
    assert events[("orders", "customer_id")]["action"] == "hash"  # fk_inherited
    assert events[("employees", "manager_id")]["action"] == "hash"
    # Two runs with the same salt: byte-identical targets.
    tgt2 = fresh_target(target_cluster, "mask_rel2")
    res2 = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt2, REL_CONFIG)
    assert_succeeded(res2, target_cluster, tgt2)
    for table in ("customers", "orders", "contacts", "employees"):
        q = f"SELECT md5(t::text) FROM {table} t ORDER BY tag"
        assert query(target_cluster, tgt, q) == query(target_cluster, tgt2, q), table


def test_no_source_value_survives_in_masked_columns(privaci, tmp_path, source_cluster,
                                                     target_cluster):
    src = fresh_source(source_cluster, "mask_leak", extra_sql="""
        CREATE TABLE people (id int PRIMARY KEY, email text UNIQUE, first_name text,
                             last_name text, phone text, dob date, city text);
        INSERT INTO people SELECT g, 'someone' || g || '@mail.example',
            (ARRAY['Olivia','Liam','Emma','Noah','Ava','Elijah','Sophia','James'])[g % 8 + 1],
            (ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia'])[g % 6 + 1],
            '+1 415 555 ' || lpad(g::text, 4, '0'), DATE '1970-01-01' + g * 3,
            (ARRAY['Boston','Denver','Austin','Seattle'])[g % 4 + 1]
        FROM generate_series(1, 5000) g;""")
    tgt = fresh_target(target_cluster, "mask_leak")
    config = """version: "1.0"
auto_detect: false
tables:
  public.people:
    columns:
      email: {action: fake, provider: email}
      first_name: {action: fake, provider: first_name}
      last_name: {action: fake, provider: last_name}
      phone: {action: fake, provider: phone}
      dob: {action: fake, provider: dob}
      city: {action: fake, provider: city}
"""
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, config)
    assert_succeeded(res, target_cluster, tgt)
    library = library_values()
    for col in ("email", "first_name", "last_name", "phone", "city"):
        before = {r[0] for r in query(source_cluster, src, f"SELECT {col}::text FROM people")}
        after = {r[0] for r in query(target_cluster, tgt, f"SELECT {col}::text FROM people")}
        leaked = (before & after) - library
        assert not leaked, (col, len(leaked))
    # A date has too small a domain for a set test: no row keeps its own dob.
    before = dict(query(source_cluster, src, "SELECT id, dob FROM people"))
    after = dict(query(target_cluster, tgt, "SELECT id, dob FROM people"))
    assert sum(1 for k in before if before[k] == after[k]) < 25
    # Realistic spread: 5,000 distinct addresses do not look like ten people.
    locals_ = {r[0] for r in query(target_cluster, tgt, "SELECT split_part(email, '@', 1) "
                                                         "FROM people")}
    assert len(locals_) > 1000, len(locals_)


MEMO_TABLE = """
CREATE TABLE visits (
    id int PRIMARY KEY, note text, email text, n int, seen timestamptz, city text,
    dob date, code smallint, score int, tail text);
"""
MEMO_CONFIG = """version: "1.0"
auto_detect: false
tables:
  public.visits:
    columns:
      email: {action: fake, provider: email}
      city: {action: fake, provider: city}
      dob: {action: fake, provider: dob}
      code: {action: hash}
      score: {action: hash}
"""


def test_memos_and_passthrough_runs_change_nothing(privaci, tmp_path, source_cluster,
                                                    target_cluster):
    """The masker remembers outputs (per column, by input cell) and copies runs of
    passthrough cells in one piece. Oracle: the same table path in a second source
    where every input occurs exactly once, in another order (no memo can hit
    there), must mask every input to the same output; passthrough columns, NULLs
    at the edges of a run included, stay byte-identical."""
    rows = """SELECT g AS id,
            CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g END AS note,
            'p' || (g % 300) || '@mail.example' AS email,
            CASE WHEN g % 5 = 0 THEN NULL ELSE g END AS n,
            timestamptz '2024-01-01 00:00+00' + g * interval '1 minute' AS seen,
            (ARRAY['Boston','Denver','Austin','Seattle','Zürich'])[g % 5 + 1] AS city,
            CASE WHEN g % 11 = 0 THEN NULL
                 ELSE DATE '1950-01-01' + (g * 7919) % 400
                      + CASE WHEN g % 3 = 0 THEN 65536 ELSE 0 END END AS dob,
            (g % 50 - 25)::smallint AS code, (g % 40) * 100000 AS score,
            CASE WHEN g % 9 = 0 THEN NULL ELSE 'tail' || g % 13 END AS tail
        FROM generate_series(1, 20000) g"""
    repeated = fresh_source(source_cluster, "mask_memo_rep", extra_sql=MEMO_TABLE + f"""
        INSERT INTO visits {rows};""")
    # Each distinct input of each masked column once, in its own row (other columns NULL).
    one_each = " UNION ALL ".join(
        f"SELECT DISTINCT " + ", ".join(c if c == col else f"NULL::{t} AS {c}"
                                        for c, t in (("email", "text"), ("city", "text"),
                                                     ("dob", "date"), ("code", "smallint"),
                                                     ("score", "int")))
        + f" FROM r WHERE {col} IS NOT NULL"
        for col in ("email", "city", "dob", "code", "score"))
    distinct = fresh_source(source_cluster, "mask_memo_one", extra_sql=MEMO_TABLE + f"""
        INSERT INTO visits (id, email, city, dob, code, score)
        SELECT row_number() OVER (ORDER BY md5(u::text)), u.*
        FROM (WITH r AS ({rows}) {one_each}) u;""")
    t_rep = fresh_target(target_cluster, "mask_memo_rep")
    t_one = fresh_target(target_cluster, "mask_memo_one")
    for src, tgt in ((repeated, t_rep), (distinct, t_one)):
        res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, MEMO_CONFIG)
        assert_succeeded(res, target_cluster, tgt)
    # Passthrough columns: identical, row by row.
    cols = "id, note, n, seen, tail"
    assert (query(source_cluster, repeated, f"SELECT {cols} FROM visits ORDER BY id")
            == query(target_cluster, t_rep, f"SELECT {cols} FROM visits ORDER BY id"))
    # Masked columns: input → output pairs agree between the two runs.
    for col in ("email", "city", "dob", "code", "score"):
        def mapping(src_db, tgt_db):
            ins = dict(query(source_cluster, src_db,
                             f"SELECT id, {col}::text FROM visits WHERE {col} IS NOT NULL"))
            outs = dict(query(target_cluster, tgt_db,
                              f"SELECT id, {col}::text FROM visits WHERE {col} IS NOT NULL"))
            assert ins.keys() == outs.keys(), col
            pairs = {}
            for k, v in ins.items():
                assert pairs.setdefault(v, outs[k]) == outs[k], (col, "not a function")
            return pairs
        rep, one = mapping(repeated, t_rep), mapping(distinct, t_one)
        assert rep == one, col
        assert len(rep) >= 5 and any(k != v for k, v in rep.items()), col
    # The dates 65,536 days apart (one memo slot) were both seen.
    assert scalar(source_cluster, repeated, "SELECT count(DISTINCT dob) FROM visits") > 600


def test_million_distinct_unique_values(privaci, tmp_path, source_cluster, target_cluster):
    """1,000,000 distinct inputs in a UNIQUE email and a UNIQUE int8 column give
    1,000,000 distinct outputs each (§9.1 suffixes, §9.2 permutation); post-data
    then builds both unique indexes."""
    src = fresh_source(source_cluster, "mask_million", extra_sql="""
        CREATE TABLE accounts (id int PRIMARY KEY, email text UNIQUE, ext bigint UNIQUE);
        INSERT INTO accounts SELECT g, 'user' || g || '@example.com',
            (g::bigint * 2654435761) % 9223372036854775807 - 4611686018427387904
        FROM generate_series(1, 1000000) g;""")
    tgt = fresh_target(target_cluster, "mask_million")
    config = """version: "1.0"
auto_detect: false
tables:
  public.accounts:
    columns:
      email: {action: fake, provider: email}
      ext: {action: hash}
"""
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, config)
    assert_succeeded(res, target_cluster, tgt)
    n, emails, exts, neg = query(target_cluster, tgt, """
        SELECT count(*), count(DISTINCT email), count(DISTINCT ext), count(*) FILTER (WHERE ext < 0)
        FROM accounts""")[0]
    assert n == emails == exts == 1000000
    # The permutation keeps the sign (§9.2).
    assert neg == scalar(source_cluster, src, "SELECT count(*) FROM accounts WHERE ext < 0")
    assert scalar(target_cluster, tgt, "SELECT count(*) FROM accounts WHERE email NOT LIKE "
                  "'%+________________@%'") == 0


# ------------------------------------------------------------------ auto-detect


def test_auto_detect_masks_high_findings(privaci, tmp_path, source_cluster, target_cluster):
    src = fresh_source(source_cluster, "mask_auto", extra_sql="""
        CREATE TABLE customers (id int PRIMARY KEY, email text, phone text, status text,
                                kept_email text);
        INSERT INTO customers SELECT g, 'c' || g || '@shop.example', '+1 202 555 0' || (g % 900 + 100),
            'active', 'k' || g || '@shop.example' FROM generate_series(1, 200) g;
        ANALYZE customers;""")
    tgt = fresh_target(target_cluster, "mask_auto")
    config = ('version: "1.0"\ntables:\n  public.customers:\n    columns:\n'
              '      kept_email: {action: passthrough}\n')
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt, config)
    assert_succeeded(res, target_cluster, tgt)
    events = masked_events(res)
    assert events[("customers", "email")]["action"] == "fake"
    assert events[("customers", "email")]["provider"] == "email"
    assert ("customers", "kept_email") not in events  # explicit YAML wins
    before = {r[0] for r in query(source_cluster, src, "SELECT email FROM customers")}
    after = {r[0] for r in query(target_cluster, tgt, "SELECT email FROM customers")}
    assert not before & after
    assert query(source_cluster, src, "SELECT kept_email FROM customers ORDER BY id") == \
        query(target_cluster, tgt, "SELECT kept_email FROM customers ORDER BY id")
    sources = dict(query(target_cluster, tgt, "SELECT column_name, payload->>'source' "
                         "FROM _privaci.audit_log WHERE event_type = 'column.passed_through'"))
    assert sources["kept_email"] == "config" and sources["status"] == "default"


def test_strict_autodetect_run_fails_before_writing(privaci, tmp_path, source_cluster,
                                                    target_cluster):
    src = fresh_source(source_cluster, "mask_strict", extra_sql="""
        CREATE TABLE customers (id int PRIMARY KEY, email text);
        INSERT INTO customers SELECT g, 'c' || g || '@shop.example' FROM generate_series(1, 50) g;
        ANALYZE customers;""")
    tgt = fresh_target(target_cluster, "mask_strict")
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, tgt,
              'version: "1.0"\nstrict_autodetect: true\n')
    assert res.code == 3, res
    assert "public.customers.email" in res.stderr, res
    # Nothing was written to the target (pre-flight failed).
    assert scalar(target_cluster, tgt, "SELECT count(*) FROM pg_namespace "
                  "WHERE nspname = '_privaci'") == 0
    assert scalar(target_cluster, tgt, "SELECT count(*) FROM pg_tables "
                  "WHERE schemaname = 'public'") == 0


# ------------------------------------------------------------------ masked PK cursor


def test_masked_pk_cursor_is_encrypted_and_resume_continues(privaci, tmp_path, source_cluster,
                                                            target_cluster):
    src = fresh_source(source_cluster, "mask_cursor", extra_sql="""
        CREATE TABLE users (email text PRIMARY KEY, n int NOT NULL);
        INSERT INTO users SELECT 'u' || lpad(g::text, 7, '0') || '@pk.example', g
        FROM generate_series(1, 300000) g;""")
    config = """version: "1.0"
auto_detect: false
batch_size: 1000
tables:
  public.users:
    columns:
      email: {action: fake, provider: email}
"""
    # A clean run for reference.
    ref = fresh_target(target_cluster, "mask_cursor_ref")
    res = run(privaci, tmp_path, source_cluster, target_cluster, src, ref, config)
    run_id, _ = assert_succeeded(res, target_cluster, ref)
    cursor = checkpoints(target_cluster, ref, run_id)[("public", "users")][2]
    assert cursor.startswith("enc1:") and "pk.example" not in cursor

    # Kill a second run once a few batches are committed, then resume it.
    tgt = fresh_target(target_cluster, "mask_cursor")
    cfg = tmp_path / "cursor.yaml"
    cfg.write_text(config, encoding="utf-8")
    args = ["--config", str(cfg), "--source", source_cluster.url(src), "--target",
            target_cluster.url(tgt), "--no-progress"]
    proc = subprocess.Popen([str(privaci_bin()), "run", *args], env=clean_env(ENV),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            try:
                rows = scalar(target_cluster, tgt, "SELECT coalesce(max(rows_processed), 0) "
                              "FROM _privaci.table_checkpoints")
            except Exception:
                rows = 0
            if rows >= 5000:
                break
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    stored = scalar(target_cluster, tgt, "SELECT last_pk_value FROM _privaci.table_checkpoints")
    assert stored.startswith("enc1:") and "pk.example" not in stored
    res = privaci("resume", *args, env=ENV, timeout=300)
    assert res.code == 0, res
    q = "SELECT email, n FROM users ORDER BY n"
    assert query(target_cluster, tgt, q) == query(target_cluster, ref, q)

"""Masking actions against column types (masking.md §4.3) and FK groups (§7.3)
through `privaci dry-run` against a real cluster: rejected pairs fail
pre-flight with exit 3 and the exact Context/Cause lines — lengths, arrays,
static values judged by the source server (enum labels, domain checks, a
type without a client codec) —, differing explicit actions inside an FK
group fail fk_consistency, integer outputs sharing a hash path need one
type; an accepted config shows the FK-inherited action in the plan and a
length_risk warning. Static values never appear in any output.
"""

from __future__ import annotations

import pytest

from test_preflight import (ENV, Dbs, assert_preflight_failure, events_of, preflight_event)

SOURCE_SQL = """
CREATE TYPE public.mood AS ENUM ('happy', 'sad');
CREATE DOMAIN public.short_code AS text CHECK (length(VALUE) <= 4);
CREATE TABLE public.users (
    id bigint PRIMARY KEY,
    email character varying(40) NOT NULL UNIQUE,
    login character varying(32),
    feeling public.mood,
    code public.short_code,
    span int4range,
    tags text[]
);
INSERT INTO public.users
SELECT g, 'u' || g || '@example.test', 'l' || g, 'happy', 'c' || g, int4range(g, g + 1), ARRAY['t']
FROM generate_series(1, 20) g;
CREATE TABLE public.orders (
    id bigint PRIMARY KEY,
    user_id bigint REFERENCES public.users (id),
    user_email character varying(40) REFERENCES public.users (email),
    note text
);
INSERT INTO public.orders SELECT g, g, 'u' || g || '@example.test', 'n' FROM generate_series(1, 10) g;
CREATE TABLE public.counters (id integer PRIMARY KEY);
INSERT INTO public.counters SELECT g FROM generate_series(1, 5) g;
CREATE TABLE public.big_refs (id bigint PRIMARY KEY, counter_id bigint REFERENCES public.counters (id));
INSERT INTO public.big_refs SELECT g, g FROM generate_series(1, 5) g;
ANALYZE;
"""

HEAD = 'version: "1.0"\nauto_detect: false\ntables:\n'
TYPE_CONTEXT = "Validating masking actions against column types"
TYPE_REMEDIATION = "Choose a type-compatible action (see docs/configuration.md#actions)."
FK_CONTEXT = "Validating foreign-key masking consistency"
FK_REMEDIATION = "Use the same action and provider on both columns (or passthrough on both)."
STATIC_VALUES = ("angry", "toolong", "[oops")


@pytest.fixture
def dbs(source_cluster, target_cluster):
    pair = Dbs(source_cluster, target_cluster, source_sql=SOURCE_SQL)
    yield pair
    pair.drop()


def dry_run(privaci, write_config, dbs, config):
    cfg = write_config(config)
    return privaci("dry-run", "--config", cfg, "--source", dbs.source_url(),
                   "--target", dbs.target_url(), env=ENV)


def test_length_and_array_pairs_are_rejected(privaci, write_config, dbs):
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs, HEAD + (
        "  public.users:\n"
        "    columns:\n"
        "      login: { action: hash }\n"
        "      tags: { action: hash }\n"
        "  public.orders:\n"
        "    columns:\n"
        "      note: { action: fake, provider: email }\n"))
    assert_preflight_failure(
        r, 3, "type_compatibility", TYPE_CONTEXT,
        "tables.public.users.columns.login: hash cannot produce a valid character varying(32)\n"
        "tables.public.users.columns.tags: hash cannot produce a valid text[]",
        TYPE_REMEDIATION)
    assert dbs.target_state() == before


def test_static_values_are_judged_by_the_source(privaci, write_config, dbs):
    r = dry_run(privaci, write_config, dbs, HEAD + (
        "  public.users:\n"
        "    columns:\n"
        "      feeling: { action: static, value: angry }\n"
        "      code: { action: static, value: toolong }\n"
        "      span: { action: static, value: \"[oops\" }\n"))
    assert_preflight_failure(
        r, 3, "type_compatibility", TYPE_CONTEXT,
        "tables.public.users.columns.code: static cannot produce a valid public.short_code\n"
        "tables.public.users.columns.feeling: static cannot produce a valid public.mood\n"
        "tables.public.users.columns.span: static cannot produce a valid int4range",
        TYPE_REMEDIATION)
    for value in STATIC_VALUES:
        assert value not in r.output, value


def test_fk_group_members_must_agree(privaci, write_config, dbs):
    r = dry_run(privaci, write_config, dbs, HEAD + (
        "  public.users:\n"
        "    columns:\n"
        "      id: { action: hash }\n"
        "  public.orders:\n"
        "    columns:\n"
        "      user_id: { action: fake, provider: postcode }\n"))
    assert_preflight_failure(
        r, 3, "fk_consistency", FK_CONTEXT,
        "public.orders.user_id uses fake/postcode but referenced public.users.id uses hash; "
        "the foreign key would break",
        FK_REMEDIATION)


def test_integer_outputs_sharing_a_hash_path_need_one_type(privaci, write_config, dbs):
    r = dry_run(privaci, write_config, dbs, HEAD + (
        "  public.counters:\n"
        "    columns:\n"
        "      id: { action: hash }\n"))
    assert_preflight_failure(
        r, 3, "type_compatibility", TYPE_CONTEXT,
        "tables.public.big_refs.columns.counter_id: hash needs the same type on every column "
        "sharing hash path public.counters.id\n"
        "tables.public.counters.columns.id: hash needs the same type on every column sharing "
        "hash path public.counters.id",
        TYPE_REMEDIATION)


def test_accepted_fk_group_inherits_and_warns_about_length(privaci, write_config, dbs):
    before = dbs.target_state()
    r = dry_run(privaci, write_config, dbs, HEAD + (
        "  public.users:\n"
        "    columns:\n"
        "      email: { action: fake, provider: email }\n"
        "      feeling: { action: static, value: sad }\n"
        "      code: { action: static, value: zqxw }\n"
        "      span: { action: static, value: \"[1,5)\" }\n"))
    assert r.code == 0, r
    assert ("  public.orders: strategy=transform (~10 rows, batch 10000)\n"
            "      mask: user_email -> fake/email (fk_inherited)\n") in r.stderr
    assert ("  public.users: strategy=transform (~20 rows, batch 10000)\n"
            "      mask: email -> fake/email (config)\n"
            "      mask: feeling -> static (config)\n"
            "      mask: code -> static (config)\n"
            "      mask: span -> static (config)\n") in r.stderr
    # The group is unique (users.email is): suffixing may overflow varchar(40) on both sides.
    risks = [e for e in events_of(r.stdout)
             if e.get("event") == "warning" and e.get("code") == "length_risk"]
    assert [(e["table_id"], e["message"]) for e in risks] == [
        ("public.orders", "tables.public.orders.columns.user_email: fake/email output may be "
                          "longer than character varying(40) allows"),
        ("public.users", "tables.public.users.columns.email: fake/email output may be longer "
                         "than character varying(40) allows"),
    ]
    assert ("Warning: tables.public.users.columns.email: fake/email output may be longer than "
            "character varying(40) allows\n") in r.stderr
    checks = {c["name"]: c["status"] for c in preflight_event(r.stdout, "preflight.ok")["checks"]}
    assert checks["type_compatibility"] == "warn"
    assert checks["fk_consistency"] == "ok"
    # Checks after the static probes still ran on the source's snapshot transaction.
    assert checks["target_extensions"] == "ok"
    for value in ("sad", "zqxw", "[1,5)"):
        assert value not in r.stdout, value
    assert dbs.target_state() == before


KEY_SQL = """
CREATE TABLE public.accounts (
    id bigint PRIMARY KEY,
    pw text UNIQUE,
    token text,
    tier text,
    region text,
    UNIQUE (tier, region)
);
CREATE UNIQUE INDEX accounts_token ON public.accounts (token);
INSERT INTO public.accounts SELECT g, 'p' || g, 't' || g, 'gold', 'r' || g FROM generate_series(1, 3) g;
ANALYZE;
"""


def test_constant_output_on_a_unique_key_warns(privaci, write_config, source_cluster,
                                                target_cluster):
    """masking.md §9.1 (ours): `fake: password` and `static` give every row one value; on a
    column that is a key by itself (UNIQUE constraint, unique index) that is a pre-flight
    warning. A member of a composite key is not warned about (the other columns may differ)."""
    pair = Dbs(source_cluster, target_cluster, source_sql=KEY_SQL)
    try:
        r = dry_run(privaci, write_config, pair, HEAD + (
            "  public.accounts:\n"
            "    columns:\n"
            "      pw: { action: fake, provider: password }\n"
            "      token: { action: static, value: secret-token }\n"
            "      tier: { action: static, value: silver }\n"))
        assert r.code == 0, r
        got = [(e["table_id"], e["message"]) for e in events_of(r.stdout)
               if e.get("event") == "warning" and e.get("code") == "unique_collision"]
        assert got == [
            ("public.accounts", "tables.public.accounts.columns.pw: fake/password gives every "
                                "row the same value, so the unique key on this column cannot "
                                "hold more than one row"),
            ("public.accounts", "tables.public.accounts.columns.token: static gives every row "
                                "the same value, so the unique key on this column cannot hold "
                                "more than one row"),
        ], r.stdout
        checks = {c["name"]: c["status"]
                  for c in preflight_event(r.stdout, "preflight.ok")["checks"]}
        assert checks["type_compatibility"] == "warn"
        assert "secret-token" not in r.stdout + r.stderr
    finally:
        pair.drop()

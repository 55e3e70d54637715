"""The privaci binary against spec/cli.md, errors.md, secrets.md,
observability.md and config.md §9 — driven as a user would, against two real
PostgreSQL 15 clusters started by conftest.py.

`run`, `dry-run` and `resume` go through config validation and secret
resolution and then do their work: `assert_reached_unavailable_stage` checks
that a command got past the stages under test (a masked run succeeds, a
dry-run completes, resume finds no run to continue).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import string
import subprocess
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# CI checks the repository out with shared/ beside it.
_SPEC_BESIDE = Path(__file__).resolve().parents[3] / "shared" / "spec"
SPEC_DIR = Path(os.environ.get("PRIVACI_SPEC_DIR") or
                (_SPEC_BESIDE if _SPEC_BESIDE.is_dir() else "/work/shared/spec"))

ANCHORS = {
    1: "exit-code-1-generic-error",
    2: "exit-code-2-pre-flight-failure",
    3: "exit-code-3-config-validation-failure",
    4: "exit-code-4-missing-or-invalid-salt",
    5: "exit-code-5-license-entitlement-failure",
    6: "exit-code-6-drift-detected",
    130: "exit-code-130-interrupted-by-signal",
}

ROOT_USAGE = "Usage: privaci [OPTIONS] COMMAND [ARGS]...\nTry 'privaci --help' for help.\n\n"

SUBCOMMANDS = [
    ["run"], ["dry-run"], ["resume"], ["verify"], ["validate"], ["gen-salt"],
    ["generate-ci"], ["install-pack"], ["migrate-config"], ["report"],
    ["verify-report"], ["schema", "config"], ["catalog", "inspect"],
    ["detect-drift"], ["preview"],
]
EVENT_STREAM = [["run"], ["dry-run"], ["resume"]]

GOOD_CONFIG = """\
version: "1.0"
on_existing_data: drop_create
tables:
  public.users:
    columns:
      email:     { action: fake, provider: email }
      full_name: { action: fake, provider: full_name }
  public.orders:
    columns:
      customer_email: { action: fake, provider: email, seed_alias: public.users.email }
"""

SOURCE_SQL = """
CREATE TABLE public.users (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    full_name text,
    payload jsonb
);
INSERT INTO public.users
SELECT g, 'user' || g || '@example.com', 'Name ' || g, jsonb_build_object('email', 'u' || g || '@x.org')
FROM generate_series(1, 50) g;
CREATE TABLE public.orders (
    id bigint PRIMARY KEY,
    user_id bigint REFERENCES public.users (id),
    customer_email text
);
INSERT INTO public.orders SELECT g, g, 'user' || g || '@example.com' FROM generate_series(1, 50) g;
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount numeric(10, 2));
"""

TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


# ------------------------------------------------------------------ helpers


def good_salt() -> str:
    """A 48-character salt made of letters and punctuation, so that no part
    of it can turn up by chance in hex hashes, timestamps or UUIDs."""
    alphabet = string.ascii_letters + "#%&*+=?@^~"
    return "".join(secrets.choice(alphabet) for _ in range(48))


def short_salt(n: int = 31) -> str:
    return good_salt()[:n]


def assert_no_secret(result, secret: str, window: int = 12) -> None:
    """The secret, and every `window`-character piece of it, is absent from
    both streams."""
    out = result.stdout + result.stderr
    assert secret not in out, f"secret leaked in output:\n{result}"
    for i in range(0, max(1, len(secret) - window + 1)):
        piece = secret[i:i + window]
        assert piece not in out, f"part of a secret ({piece!r}) leaked:\n{result}"


def parse_ccr(stderr: str) -> dict:
    """The Context/Cause/Remediation/See block of errors.md §1 from stderr."""
    lines = stderr.split("\n")
    starts = [i for i, line in enumerate(lines) if line.startswith("Context: ")]
    assert len(starts) == 1, f"expected exactly one C/C/R block on stderr:\n{stderr}"
    i = starts[0]
    block = {"context": lines[i][len("Context: "):]}
    i += 1
    assert lines[i].startswith("Cause: "), f"no Cause line after Context:\n{stderr}"
    cause = [lines[i][len("Cause: "):]]
    i += 1
    while i < len(lines) and not lines[i].startswith("Remediation: "):
        cause.append(lines[i])
        i += 1
    assert i < len(lines), f"no Remediation line:\n{stderr}"
    block["cause"] = "\n".join(cause)
    block["remediation"] = lines[i][len("Remediation: "):]
    i += 1
    assert i < len(lines) and lines[i].startswith("See: "), f"no See line:\n{stderr}"
    block["see"] = lines[i][len("See: "):]
    return block


def assert_ccr(result, code: int, context=None, cause=None, remediation=None) -> dict:
    """Exit code + the C/C/R block; string arguments must match exactly,
    compiled patterns must match the whole text."""
    assert result.code == code, f"expected exit {code}:\n{result}"
    block = parse_ccr(result.stderr)
    assert block["see"] == f"docs/error-codes.md#{ANCHORS[code]}", result
    for key, want in (("context", context), ("cause", cause), ("remediation", remediation)):
        if want is None:
            continue
        if isinstance(want, re.Pattern):
            assert want.fullmatch(block[key]), f"{key} {block[key]!r} !~ {want.pattern}\n{result}"
        else:
            assert block[key] == want, f"{key}: {block[key]!r} != {want!r}\n{result}"
    return block


def assert_event_stream(result) -> list[dict]:
    """stdout of an event-stream command: JSON objects only, with the
    observability.md §2 envelope, no ANSI bytes."""
    assert "\x1b" not in result.stdout, result
    events = result.events  # raises if any non-empty line is not JSON
    for ev in events:
        keys = list(ev)
        assert keys[:3] == ["timestamp", "level", "event"], f"envelope order: {keys}"
        assert TIMESTAMP_RE.match(ev["timestamp"]), ev
        assert ev["level"] in ("debug", "info", "warning", "error"), ev
    return events


def assert_error_event(result, code: int) -> dict:
    errors = [e for e in assert_event_stream(result) if e["event"] == "error"]
    assert len(errors) == 1, f"expected one error event:\n{result}"
    ev = errors[0]
    assert ev["level"] == "error"
    assert ev["exit_code"] == code
    block = parse_ccr(result.stderr)
    assert ev["context"] == block["context"]
    assert ev["cause"] == block["cause"]
    assert ev["remediation"] == block["remediation"]
    assert ev["message"] == block["cause"]
    return ev


def assert_reached_unavailable_stage(result) -> None:
    """Config, URLs and secrets were accepted and the command went on to its
    next stage: dry-run completes its plan (exit 0); run masks and loads the
    target (exit 0; the config's on_existing_data lets the shared target be
    reused); resume finds no run to continue (exit 2)."""
    if result.code == 0:
        assert ("Dry run complete; no writes performed." in result.stderr
                or re.search(r"^Run \S+ succeeded: ", result.stderr, re.M)), result
        assert_event_stream(result)
        return
    if result.code == 2:
        # resume: past config and secrets, its gate finds no run to continue.
        assert_ccr(result, 2, context="Validating resume prerequisites",
                   cause="No incomplete run was found in the target database.")
        assert_error_event(result, 2)
        return
    if result.code == 3:
        block = assert_ccr(result, 3, context="Checking configured features")
    else:
        block = assert_ccr(result, 1)
    assert "not available in this build" in block["cause"], result
    assert_error_event(result, result.code)


def assert_usage_error(result, usage_prefix: str = "Usage: privaci", message=None) -> str:
    assert result.code == 1, result
    assert result.stdout == "", result
    lines = result.stderr.split("\n")
    assert lines[0].startswith(usage_prefix), result
    assert re.fullmatch(r"Try 'privaci( [a-z -]+)? --help' for help\.", lines[1]), result
    assert lines[2] == "", result
    assert lines[3].startswith("Error: "), result
    assert lines[4:] == [""], f"nothing after the Error line:\n{result}"
    if message is not None:
        assert lines[3] == f"Error: {message}", result
    assert "Context:" not in result.stderr
    return lines[3]


def token_pos(text: str, line_no: int, token: str) -> tuple[int, int]:
    """1-based (line, column) of `token` on line `line_no` of `text`."""
    line = text.split("\n")[line_no - 1]
    col = line.index(token)
    return line_no, col + 1


def meson_version() -> str:
    text = (REPO / "meson.build").read_text()
    m = re.search(r"project\([^)]*?version\s*:\s*'([^']+)'", text, re.S)
    assert m, "no version in meson.build"
    return m.group(1)


def db_state(cluster, dbname: str) -> dict:
    """Everything a write could change: databases, schemas, relations, rows."""
    with cluster.connect("postgres") as conn:
        dbs = sorted(r[0] for r in conn.execute(
            "SELECT datname FROM pg_database ORDER BY 1").fetchall())
    with cluster.connect(dbname) as conn:
        schemas = sorted(r[0] for r in conn.execute(
            "SELECT nspname FROM pg_namespace").fetchall())
        rels = sorted(tuple(r) for r in conn.execute(
            "SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg_toast%'").fetchall())
        counts = {}
        for schema, rel, kind in rels:
            if kind == "r":
                counts[f"{schema}.{rel}"] = conn.execute(
                    f'SELECT count(*) FROM "{schema}"."{rel}"').fetchone()[0]
    return {"databases": dbs, "schemas": schemas, "relations": rels, "rows": counts}


# ------------------------------------------------------------------ fixtures


class DbPair:
    def __init__(self, source_cluster, target_cluster, target_sql: str = ""):
        suffix = uuid.uuid4().hex[:8]
        self.source, self.target = source_cluster, target_cluster
        self.source_db = source_cluster.create_db(f"src_{suffix}")
        self.target_db = target_cluster.create_db(f"tgt_{suffix}")
        with source_cluster.connect(self.source_db) as conn:
            conn.execute(SOURCE_SQL)
        if target_sql:
            with target_cluster.connect(self.target_db) as conn:
                conn.execute(target_sql)

    @property
    def source_url(self) -> str:
        return self.source.url(self.source_db)

    @property
    def target_url(self) -> str:
        return self.target.url(self.target_db)

    def drop(self) -> None:
        self.source.drop_db(self.source_db)
        self.target.drop_db(self.target_db)


@pytest.fixture(scope="module")
def shared_dbs(source_cluster, target_cluster):
    """A seeded source and an empty target shared by the salt/secret tests,
    whose runs stop before any database work."""
    pair = DbPair(source_cluster, target_cluster)
    yield pair
    pair.drop()


@pytest.fixture
def fresh_dbs(source_cluster, target_cluster):
    pair = DbPair(source_cluster, target_cluster)
    yield pair
    pair.drop()


@pytest.fixture
def busy_target_dbs(source_cluster, target_cluster):
    pair = DbPair(source_cluster, target_cluster,
                  target_sql="CREATE TABLE public.keep_me (id int PRIMARY KEY, note text);"
                             "INSERT INTO public.keep_me VALUES (1, 'untouched');")
    yield pair
    pair.drop()


@pytest.fixture
def run_cmd(privaci, write_config, shared_dbs):
    """run_cmd(command, config_text=GOOD_CONFIG, env=..., extra=[...]) for the
    run family with real URLs from the shared databases."""

    def _run(command="dry-run", config_text=GOOD_CONFIG, env=None, extra=(), dbs=None):
        dbs = dbs or shared_dbs
        cfg = write_config(config_text)
        return privaci(command, "--config", cfg, "--source", dbs.source_url,
                       "--target", dbs.target_url, *extra, env=env)

    return _run


# ================================================================== root


def test_version(privaci):
    r = privaci("--version")
    assert r.code == 0, r
    assert r.stdout == f"privaci {meson_version()}\n"
    assert r.stderr == ""


def test_contract_version(privaci):
    r = privaci("--contract-version")
    assert (r.code, r.stdout, r.stderr) == (0, "1.0\n", ""), r


def test_contract_version_processed_first(privaci):
    r = privaci("--log-level", "debug", "--contract-version")
    assert (r.code, r.stdout) == (0, "1.0\n"), r


def test_root_help(privaci):
    r = privaci("--help")
    assert r.code == 0, r
    assert r.stdout.startswith("Usage: privaci"), r
    assert r.stderr == ""
    for cmd in SUBCOMMANDS:
        assert cmd[0] in r.stdout, f"{cmd[0]} missing from root help"


@pytest.mark.parametrize("cmd", SUBCOMMANDS, ids=" ".join)
def test_subcommand_help(privaci, cmd):
    r = privaci(*cmd, "--help")
    assert r.code == 0, r
    assert r.stdout.startswith("Usage: privaci " + " ".join(cmd)), r
    assert r.stderr == "", r


def test_unknown_subcommand(privaci):
    r = privaci("nonexistent")
    assert r.code == 1, r
    assert r.stdout == ""
    assert r.stderr == ROOT_USAGE + "Error: No such command 'nonexistent'.\n"


@pytest.mark.parametrize("argv", [
    ["validate", "--bogus"],
    ["gen-salt", "--bogus"],
    ["run", "--bogus"],
    ["--bogus"],
    ["schema", "config", "--bogus"],
], ids=" ".join)
def test_unknown_option(privaci, argv):
    r = privaci(*argv)
    msg = assert_usage_error(r)
    assert "--bogus" in msg


def test_run_option_before_subcommand_is_usage_error(privaci, write_config):
    cfg = write_config(GOOD_CONFIG)
    for argv in (["--config", str(cfg), "run"], [f"--config={cfg}", "validate"]):
        r = privaci(*argv)
        assert_usage_error(r)


@pytest.mark.parametrize("argv", [
    ["gen-salt", "extra"],
    ["migrate-config", "--from", "1.0", "--to", "1.0"],  # missing PATH
    ["migrate-config", "x.yaml", "--to", "1.0"],  # missing --from
    ["run", "--jobs", "0"],
    ["run", "--jobs", "many"],
    ["verify", "--sample-size", "0"],
    ["run", "--config"],  # missing value
], ids=" ".join)
def test_other_usage_errors(privaci, argv):
    assert_usage_error(privaci(*argv))


def test_no_salt_flag(privaci, write_config):
    cfg = write_config(GOOD_CONFIG)
    salt = good_salt()
    for argv in (["run", "--salt", salt], [f"--salt={salt}"], ["dry-run", f"--salt={salt}"],
                 ["resume", "--salt", salt]):
        r = privaci(*argv, "--config", cfg)
        msg = assert_usage_error(r)
        assert "--salt" in msg
        assert_no_secret(r, salt)


def test_bare_privaci_is_run(privaci, tmp_path):
    missing = tmp_path / "nowhere" / "mask-rules.yaml"
    r_root = privaci(env={"PRIVACI_CONFIG": missing})
    r_run = privaci("run", env={"PRIVACI_CONFIG": missing})
    for r in (r_root, r_run):
        assert_ccr(r, 3, context=f"Loading {missing}", cause="Config file does not exist.",
                   remediation=f"Create {missing} or pass --config; see docs/configuration.md.")
        assert_error_event(r, 3)
    assert r_root.stderr == r_run.stderr


def test_bare_privaci_default_config_path(privaci):
    default = Path("/config/mask-rules.yaml")
    if default.exists():
        pytest.skip(f"{default} exists on this machine")
    r = privaci()
    assert_ccr(r, 3, context=f"Loading {default}", cause="Config file does not exist.")


def test_root_accepts_run_options(privaci, write_config, shared_dbs):
    cfg = write_config(GOOD_CONFIG)
    env = {"ANONYMIZATION_SALT": good_salt()}
    args = ["--config", cfg, "--source", shared_dbs.source_url, "--target",
            shared_dbs.target_url, "--no-progress"]
    r_root = privaci(*args, env=env)
    r_run = privaci("run", *args, env=env)
    assert r_root.code == r_run.code, (r_root, r_run)
    run_id = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    assert run_id.sub("<run>", r_root.stderr) == run_id.sub("<run>", r_run.stderr)
    assert_reached_unavailable_stage(r_root)


# ================================================================== log level


def _levels(result) -> list[str]:
    return [e["level"] for e in assert_event_stream(result)]


def _names(result) -> list[tuple[str, str]]:
    return [(e["level"], e["event"]) for e in assert_event_stream(result)]


def test_log_level_before_and_after_subcommand(run_cmd, privaci, write_config, shared_dbs):
    env = {"ANONYMIZATION_SALT": good_salt()}
    info = run_cmd("dry-run", env=env)
    assert "info" in _levels(info), f"an info-level event is expected at info:\n{info}"

    after = run_cmd("dry-run", env=env, extra=["--log-level", "error"])
    after_eq = run_cmd("dry-run", env=env, extra=["--log-level=ERROR"])
    cfg = write_config(GOOD_CONFIG)
    before = privaci("--log-level", "error", "dry-run", "--config", cfg, "--source",
                     shared_dbs.source_url, "--target", shared_dbs.target_url, env=env)
    for r in (after, after_eq, before):
        assert r.code == info.code, r
        assert set(_levels(r)) <= {"error"}, r
        assert "unknown log level" not in r.stderr


def test_log_level_debug_adds_nothing_below(run_cmd):
    env = {"ANONYMIZATION_SALT": good_salt()}
    info = _names(run_cmd("dry-run", env=env))
    debug = _names(run_cmd("dry-run", env=env, extra=["--log-level", "debug"]))
    assert [n for n in debug if n[0] != "debug"] == info


def _warning_lines(stderr: str, bogus: str) -> list[str]:
    return [line for line in stderr.split("\n")
            if bogus in line or re.search(r"(?i)log[ _-]?level", line)]


def test_unknown_log_level_warns_once_and_uses_info(run_cmd, privaci, shared_dbs):
    env = {"ANONYMIZATION_SALT": good_salt()}
    info = run_cmd("dry-run", env=env)
    bogus = run_cmd("dry-run", env=env, extra=["--log-level", "chatty"])
    assert bogus.code == info.code, bogus
    assert len(_warning_lines(bogus.stderr, "chatty")) == 1, bogus
    assert _names(bogus) == _names(info)

    # A document command: the warning, and the output is unaffected.
    r = privaci("--log-level", "chatty", "gen-salt")
    assert r.code == 0, r
    assert re.fullmatch(r"[0-9a-f]{64}\n", r.stdout), r
    assert len(_warning_lines(r.stderr, "chatty")) == 1, r
    assert len(r.stderr.strip().split("\n")) == 1, r


def test_privaci_log_level_env(run_cmd, privaci):
    salt = good_salt()
    r = run_cmd("dry-run", env={"ANONYMIZATION_SALT": salt, "PRIVACI_LOG_LEVEL": "error"})
    assert set(_levels(r)) <= {"error"}, r
    # The flag beats the environment.
    r = run_cmd("dry-run", env={"ANONYMIZATION_SALT": salt, "PRIVACI_LOG_LEVEL": "error"},
                extra=["--log-level", "info"])
    assert "info" in _levels(r), r
    # Unknown value from the environment: one warning, info.
    r = run_cmd("dry-run", env={"ANONYMIZATION_SALT": salt, "PRIVACI_LOG_LEVEL": "noisy"})
    assert len(_warning_lines(r.stderr, "noisy")) == 1, r
    assert "info" in _levels(r), r
    r = privaci("gen-salt", env={"PRIVACI_LOG_LEVEL": "Warning"})
    assert r.code == 0 and r.stderr == "", r


# ================================================================== gen-salt


def test_gen_salt(privaci):
    a, b = privaci("gen-salt"), privaci("gen-salt")
    for r in (a, b):
        assert r.code == 0, r
        assert re.fullmatch(r"[0-9a-f]{64}\n", r.stdout), r
        assert r.stderr == ""
    assert a.stdout != b.stdout


# ================================================================== validate


def test_validate_good(privaci, write_config):
    cfg = write_config(GOOD_CONFIG)
    r = privaci("validate", "--config", cfg)
    assert (r.code, r.stdout, r.stderr) == (0, f"Config {cfg} is valid.\n", ""), r
    # Document command: at debug, stdout still carries only the result.
    r = privaci("validate", "--config", str(cfg), "--log-level", "debug")
    assert (r.code, r.stdout) == (0, f"Config {cfg} is valid.\n"), r
    # Relative path, printed as given; --config=PATH form.
    r = privaci("validate", "--config=mask-rules.yaml", cwd=cfg.parent)
    assert (r.code, r.stdout) == (0, "Config mask-rules.yaml is valid.\n"), r


def test_validate_uses_privaci_config(privaci, write_config):
    cfg = write_config(GOOD_CONFIG)
    r = privaci("validate", env={"PRIVACI_CONFIG": cfg})
    assert (r.code, r.stdout) == (0, f"Config {cfg} is valid.\n"), r


def test_validate_example_and_spec_configs(privaci, write_config):
    r = privaci("validate", "--config", REPO / "examples" / "mask-rules.yaml")
    assert r.code == 0, r
    fuller = """\
version: "1.0"
global_salt: env://ANONYMIZATION_SALT
pseudonym_key: file:///run/secrets/privaci-pseudonym-key
on_existing_data: truncate
strict_autodetect: true
batch_size: 5000
implied_fk_ignore:
  - clinical.patient_documents.referring_provider_email
tables:
  public.users:
    batch_size: 2000
    columns:
      email:         { action: fake, provider: email, seed_alias: public.users.email }
      ssn:           { action: regex_mask, pattern: "^\\\\d{3}-\\\\d{2}-\\\\d{4}$", replace: "000-00-0000" }
      password_hash: { action: hash }
      api_token:     { action: hmac_hash, encoding: base64url }
      nickname:      { action: pseudonym, provider: username }
      notes:         { action: ner_mask, entities: [PERSON, ORG] }
      status:        { action: passthrough }
      deleted_note:  { action: "null" }
      country:       { action: static, value: "US" }
      payload:
        action: json_mask
        rules:
          - path: "$.contact.email"
            action: fake
            provider: email
          - path: "$.debug"
            action: remove
  public.orders:
    null_orphan_fks: true
    columns:
      customer_email: { action: fake, provider: email, seed_alias: public.users.email }
  audit_internal.audit_log_events:
    strategy: exclude
  public.sessions:
    strategy: empty
subset:
  roots:
    public.organizations: "id = 1"
    public.feature_flags: { where: "true" }
  outside_closure: empty
"""
    cfg = write_config(fuller)
    # pseudonym_key's file does not exist: validate resolves no secret, it
    # only checks that a key is configured for the keyed actions.
    r = privaci("validate", "--config", cfg)
    assert (r.code, r.stdout) == (0, f"Config {cfg} is valid.\n"), r


def test_validate_keyed_actions_without_key(privaci, write_config):
    cfg = write_config('version: "1.0"\ntables:\n  public.users:\n    columns:\n'
                       '      email: { action: hmac_hash }\n')
    r = privaci("validate", "--config", cfg)
    assert_ccr(r, 4, context="Validating pseudonym_key for keyed masking actions",
               cause="Columns use hmac_hash or pseudonym but no pseudonym_key is configured.",
               remediation="Set pseudonym_key in mask-rules.yaml or export PSEUDONYM_KEY "
                           "(minimum 32 characters after resolution).")


MISTAKES = """\
version: "1.0"
batch_size: 0
colour: blue
on_existing_data: sometimes
auto_detect: maybe
tables:
  users:
    strategy: transform
  public.orders:
    strategy: shred
    columns:
      email: { action: fake }
      ssn: { action: regex_mask, pattern: "a", replace: "b", flagz: [] }
      note: { action: fakee, provider: x }
"""


def test_validate_reports_every_structural_mistake(privaci, write_config):
    cfg = write_config(MISTAKES)
    r = privaci("validate", "--config", cfg)
    assert r.stdout == "", r
    block = assert_ccr(r, 3, context=f"Validating {cfg}",
                       remediation="Fix the fields listed above; see docs/configuration.md.")
    lines = block["cause"].split("\n")
    assert lines[0] == "Config does not satisfy the schema:", r
    entry_re = re.compile(r"  - (?P<path>\S+): (?P<msg>.+) \(line (?P<line>\d+), "
                          r"column (?P<col>\d+)\)")
    entries = []
    for line in lines[1:]:
        m = entry_re.fullmatch(line)
        assert m, f"schema error line without path or (line L, column C): {line!r}\n{r}"
        entries.append((m["path"], m["msg"], int(m["line"]), int(m["col"])))

    def find(*paths):
        found = [e for e in entries if e[0] in paths]
        assert len(found) == 1, f"expected one error for {paths}, got {found}\n{r}"
        return found[0]

    t = MISTAKES
    # (path, message predicate, position) — keys point at the key, bad
    # values at the value.
    _, msg, line, col = find("batch_size")
    assert "batch_size must be >= 1" in msg and (line, col) == token_pos(t, 2, "0"), r
    _, msg, line, col = find("colour")
    assert msg == "Extra inputs are not permitted" and (line, col) == (3, 1), r
    _, msg, line, col = find("on_existing_data")
    assert msg.startswith("Input should be 'fail'"), r
    assert (line, col) == token_pos(t, 4, "sometimes"), r
    _, msg, line, col = find("auto_detect")
    assert msg == "Input should be a valid boolean" and (line, col) == token_pos(t, 5, "maybe")
    _, msg, line, col = find("tables.users")
    assert msg == 'table keys must be "schema.table"' and (line, col) == (7, 3), r
    _, msg, line, col = find("tables.public.orders.strategy")
    assert msg == "Input should be 'transform', 'exclude', 'empty' or 'truncate'", r
    assert (line, col) == token_pos(t, 10, "shred"), r
    _, msg, line, col = find("tables.public.orders.columns.email.provider")
    assert ("Field required" in msg or "missing 'provider'" in msg) and line == 12, r
    _, msg, line, col = find("tables.public.orders.columns.ssn.flagz")
    assert msg == "Extra inputs are not permitted" and (line, col) == token_pos(t, 13, "flagz")
    _, msg, line, col = find("tables.public.orders.columns.note",
                             "tables.public.orders.columns.note.action")
    assert msg.startswith("Input tag 'fakee' found using 'action' does not match any of the "
                          "expected tags: 'fake', 'regex_mask', 'hash'"), r
    assert "Did you mean 'fake'?" in msg and line == 14, r
    assert len(entries) == 9, f"exactly the nine mistakes are listed:\n{r}"


def test_validate_missing_file(privaci, tmp_path):
    missing = tmp_path / "absent.yaml"
    r = privaci("validate", "--config", missing)
    assert r.stdout == ""
    assert r.code == 3, r
    assert r.stderr == (
        f"Context: Loading {missing}\n"
        "Cause: Config file does not exist.\n"
        f"Remediation: Create {missing} or pass --config; see docs/configuration.md.\n"
        "See: docs/error-codes.md#exit-code-3-config-validation-failure\n"), r


@pytest.mark.parametrize("text,context,cause", [
    ('version: "1.0"\ntables: [\n', "Parsing", re.compile(
        r"Invalid YAML syntax at line \d+, column \d+\.")),
    ("- version\n- 1.0\n", "Parsing", "Top-level config must be a mapping of keys to values."),
    ("", "Parsing", "Top-level config must be a mapping of keys to values."),
    ("batch_size: 10\n", "Loading", "Missing required field 'version'."),
    ('version: "2.0"\n', "Loading", "Config version 2.0 is not supported by engine v1.x."),
    ('version: "1.0"\nbatch_size: 1\nbatch_size: 2\n', "Parsing",
     "Duplicate key 'batch_size' at line 3, column 1."),
], ids=["syntax", "list-root", "empty", "no-version", "version-2", "duplicate"])
def test_validate_stages(privaci, write_config, text, context, cause):
    cfg = write_config(text)
    r = privaci("validate", "--config", cfg)
    assert r.stdout == ""
    assert_ccr(r, 3, context=f"{context} {cfg}", cause=cause)


def test_validate_accepts_json_mask_and_subset(privaci, write_config):
    cfg = write_config(JSON_MASK_CONFIG + SUBSET_BLOCK)
    r = privaci("validate", "--config", cfg)
    assert (r.code, r.stdout) == (0, f"Config {cfg} is valid.\n"), r


# ================================================================== migrate-config


def test_migrate_config_same_version(privaci, tmp_path):
    r = privaci("migrate-config", tmp_path / "not-read.yaml", "--from", "1.0", "--to", "1.0")
    assert (r.code, r.stdout, r.stderr) == (
        0, "No migration needed: config is already version 1.0.\n", ""), r


def test_migrate_config_other_version(privaci, write_config):
    cfg = write_config(GOOD_CONFIG)
    before = cfg.read_bytes()
    r = privaci("migrate-config", "--from", "1.0", "--to", "2.0", cfg)
    assert r.stdout == ""
    assert_ccr(r, 3, context="Migrating config from 1.0 to 2.0",
               cause="No migration path is defined between these versions.",
               remediation="Only version 1.0 is supported in this release.")
    assert cfg.read_bytes() == before


# ================================================================== schema config


def test_schema_config(privaci, write_config):
    r = privaci("schema", "config")
    assert r.code == 0, r
    assert r.stderr == ""
    schema = json.loads(r.stdout)
    assert r.stdout == json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert schema["title"] == "Config"
    assert schema["additionalProperties"] is False
    assert "version" in schema["required"]
    for name in ("TableConfig", "FakeAction", "RegexMaskAction", "HashAction",
                 "HmacHashAction", "PseudonymAction", "PassthroughAction", "NullAction",
                 "StaticAction", "NerMaskAction", "AiRefineAction", "JsonMaskAction",
                 "JsonMaskRule", "SubsetConfig"):
        assert name in schema["$defs"], name

    import jsonschema
    import yaml
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(yaml.safe_load(GOOD_CONFIG)))
    assert list(validator.iter_errors(yaml.safe_load(MISTAKES)))


# ================================================================== salt


def test_short_salt_from_env(run_cmd):
    salt = short_salt(31)
    for command in ("dry-run", "run", "resume"):
        r = run_cmd(command, env={"ANONYMIZATION_SALT": salt}, extra=["--log-level", "debug"])
        assert_ccr(r, 4, context="Validating the resolved anonymization salt",
                   cause="Resolved salt has length 31, minimum is 32.",
                   remediation="Generate a new salt with `privaci gen-salt`.")
        assert_error_event(r, 4)
        assert_no_secret(r, salt)


def test_short_salt_in_config(run_cmd):
    salt = short_salt(31)
    r = run_cmd("run", config_text=f'global_salt: "{salt}"\n' + GOOD_CONFIG,
                env={"ANONYMIZATION_SALT": good_salt()}, extra=["--log-level", "debug"])
    assert_ccr(r, 4, cause="Resolved salt has length 31, minimum is 32.")
    assert_no_secret(r, salt)


def test_salt_length_counts_code_points(run_cmd):
    r = run_cmd("dry-run", env={"ANONYMIZATION_SALT": "é" * 20})  # 40 bytes, 20 chars
    assert_ccr(r, 4, cause="Resolved salt has length 20, minimum is 32.")
    assert_no_secret(r, "é" * 20, window=8)
    r = run_cmd("dry-run", env={"ANONYMIZATION_SALT": "é" * 32})
    assert_reached_unavailable_stage(r)


def test_salt_whitespace_is_trimmed(run_cmd):
    r = run_cmd("dry-run", env={"ANONYMIZATION_SALT": "  " + short_salt(31) + " \n"})
    assert_ccr(r, 4, cause="Resolved salt has length 31, minimum is 32.")


def test_missing_salt(run_cmd):
    for env in ({}, {"ANONYMIZATION_SALT": ""}, {"ANONYMIZATION_SALT": "   "}):
        r = run_cmd("dry-run", env=env)
        assert_ccr(r, 4, context="Resolving the anonymization salt",
                   cause="No salt was configured in global_salt or ANONYMIZATION_SALT.",
                   remediation="Set global_salt in mask-rules.yaml or export ANONYMIZATION_SALT;"
                               " generate one with `privaci gen-salt`.")
        assert_error_event(r, 4)


def test_valid_salt_is_never_printed(run_cmd):
    salt = good_salt()
    for command in ("run", "dry-run", "resume"):
        r = run_cmd(command, env={"ANONYMIZATION_SALT": salt}, extra=["--log-level", "debug"])
        assert_reached_unavailable_stage(r)
        assert_no_secret(r, salt)


def test_config_salt_beats_environment(run_cmd):
    short = short_salt(31)
    r = run_cmd("dry-run", config_text=f"global_salt: '{short}'\n" + GOOD_CONFIG,
                env={"ANONYMIZATION_SALT": good_salt()})
    assert_ccr(r, 4, cause="Resolved salt has length 31, minimum is 32.")
    # A blank global_salt counts as unset: the environment is used.
    r = run_cmd("dry-run", config_text="global_salt: '   '\n" + GOOD_CONFIG,
                env={"ANONYMIZATION_SALT": good_salt()})
    assert_reached_unavailable_stage(r)


@pytest.mark.parametrize("ref", ["env://PV_TEST_SALT", "${PV_TEST_SALT}"])
def test_salt_env_reference_in_config(run_cmd, ref):
    config = f'global_salt: "{ref}"\n' + GOOD_CONFIG
    salt = good_salt()
    r = run_cmd("dry-run", config_text=config, env={"PV_TEST_SALT": salt},
                extra=["--log-level", "debug"])
    assert_reached_unavailable_stage(r)
    assert_no_secret(r, salt)
    short = short_salt(31)
    r = run_cmd("dry-run", config_text=config, env={"PV_TEST_SALT": short})
    assert_ccr(r, 4, cause="Resolved salt has length 31, minimum is 32.")
    assert_no_secret(r, short)
    r = run_cmd("dry-run", config_text=config, env={"ANONYMIZATION_SALT": good_salt()})
    assert_ccr(r, 4, context="Resolving salt secret from env://<redacted>",
               cause="Environment variable 'PV_TEST_SALT' is not set",
               remediation="Verify the secret URI scheme, the backing store, and the "
                           "container's credentials. See docs/secrets.md for each scheme.")


def test_salt_env_reference_in_environment(run_cmd):
    salt = good_salt()
    r = run_cmd("dry-run", env={"ANONYMIZATION_SALT": "${PV_OTHER}", "PV_OTHER": salt})
    assert_reached_unavailable_stage(r)
    assert_no_secret(r, salt)
    r = run_cmd("dry-run", env={"ANONYMIZATION_SALT": "env://PV_OTHER", "PV_OTHER": "x" * 31})
    assert_ccr(r, 4, cause="Resolved salt has length 31, minimum is 32.")


@pytest.fixture
def secret_root(tmp_path):
    root = tmp_path / "secrets"
    root.mkdir()
    return root


def test_salt_from_file(run_cmd, secret_root, tmp_path):
    salt = good_salt()
    (secret_root / "salt").write_text(salt + "\n")
    config = f'global_salt: "file://{secret_root}/salt"\n' + GOOD_CONFIG
    env = {"PRIVACI_SECRET_FILE_ROOTS": f"/nonexistent-root::{secret_root}"}
    r = run_cmd("dry-run", config_text=config, env=env, extra=["--log-level", "debug"])
    assert_reached_unavailable_stage(r)
    assert_no_secret(r, salt)

    # A trailing newline is trimmed before the length check.
    short = short_salt(31)
    (secret_root / "short").write_text(short + "\n")
    r = run_cmd("dry-run", config_text=config.replace("/salt", "/short"), env=env)
    assert_ccr(r, 4, cause="Resolved salt has length 31, minimum is 32.")
    assert_no_secret(r, short)


def test_salt_file_roots(run_cmd, secret_root, tmp_path):
    salt = good_salt()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "salt").write_text(salt)
    (secret_root / "salt").write_text(salt)
    env = {"PRIVACI_SECRET_FILE_ROOTS": str(secret_root)}
    # secrets.md §3.2 gives this error its own remediation; §4's generic
    # one is accepted too.
    remediation = re.compile(re.escape(
        "Place secrets under PRIVACI_SECRET_FILE_ROOTS directories (default: /run/secrets, "
        "/var/run/secrets).") + "|" + re.escape(
        "Verify the secret URI scheme, the backing store, and the container's credentials. "
        "See docs/secrets.md for each scheme."))

    def salt_from(path):
        return run_cmd("dry-run", config_text=f'global_salt: "file://{path}"\n' + GOOD_CONFIG,
                       env=env)

    # Outside every root, including by `..`.
    for path in (outside / "salt", f"{secret_root}/../outside/salt"):
        r = salt_from(path)
        assert_ccr(r, 4, context="Resolving salt secret from file://<redacted>",
                   cause=f"Path '{path}' is outside allowed secret roots.",
                   remediation=remediation)
        assert_no_secret(r, salt)

    # Default roots (/run/secrets, /var/run/secrets) do not include tmp.
    r = run_cmd("dry-run", config_text=f'global_salt: "file://{secret_root}/salt"\n'
                + GOOD_CONFIG)
    assert_ccr(r, 4, cause=f"Path '{secret_root}/salt' is outside allowed secret roots.")

    # A symlink that leaves the roots is rejected ...
    (secret_root / "escape").symlink_to(outside / "salt")
    r = salt_from(secret_root / "escape")
    assert_ccr(r, 4, cause=f"Path '{secret_root}/escape' is outside allowed secret roots.")
    assert_no_secret(r, salt)
    # ... one that stays inside (Kubernetes: key -> ..data/key) is followed.
    data = secret_root / "..2024_01_01"
    data.mkdir()
    (data / "key").write_text(salt + "\n")
    (secret_root / "..data").symlink_to(data.name)
    (secret_root / "key").symlink_to("..data/key")
    r = salt_from(secret_root / "key")
    assert_reached_unavailable_stage(r)
    assert_no_secret(r, salt)

    # Missing, a directory, oversize, blank.
    r = salt_from(secret_root / "absent")
    assert_ccr(r, 4, cause=f"Secret file does not exist: '{secret_root}/absent'")
    r = salt_from(data)
    assert_ccr(r, 4, cause=f"Secret path is not a regular file: '{data}'")
    (secret_root / "big").write_text("a" * 65537)
    r = salt_from(secret_root / "big")
    assert_ccr(r, 4, cause="Secret file exceeds 65536 byte limit.")
    (secret_root / "blank").write_text(" \n\t\n")
    r = salt_from(secret_root / "blank")
    assert_ccr(r, 4, cause=f"Secret file is empty: '{secret_root}/blank'")


@pytest.mark.parametrize("ref,scheme", [
    ("vault://kv/data/privaci#salt", "vault"),
    ("aws-sm://prod/privaci-salt", "aws-sm"),
    ("azure-kv://myvault/privaci-salt", "azure-kv"),
    ("gopher://x/y", "gopher"),
])
def test_salt_other_schemes(run_cmd, ref, scheme):
    r = run_cmd("dry-run", config_text=f'global_salt: "{ref}"\n' + GOOD_CONFIG,
                env={"ANONYMIZATION_SALT": good_salt()})
    block = assert_ccr(r, 4, context=f"Resolving salt secret from {scheme}://<redacted>")
    assert scheme in block["cause"], r


# ================================================================== DB URLs


def test_missing_db_urls(privaci, write_config, shared_dbs):
    cfg = write_config(GOOD_CONFIG)
    env = {"ANONYMIZATION_SALT": good_salt()}
    r = privaci("dry-run", "--config", cfg, "--target", shared_dbs.target_url, env=env)
    assert_ccr(r, 2, context="Resolving the source database URL",
               cause="No source connection string was provided.",
               remediation="Pass --source or export SOURCE_DB_URL, e.g. SOURCE_DB_URL="
                           "postgresql://postgres:dev@127.0.0.1:55432/privaci_source")
    assert_error_event(r, 2)
    r = privaci("run", "--config", cfg, "--source", shared_dbs.source_url, env=env)
    assert_ccr(r, 2, context="Resolving the target database URL",
               cause="No target connection string was provided.")


def test_db_urls_from_environment(privaci, write_config, shared_dbs):
    cfg = write_config(GOOD_CONFIG)
    r = privaci("dry-run", "--config", cfg, env={
        "ANONYMIZATION_SALT": good_salt(), "SOURCE_DB_URL": shared_dbs.source_url,
        "TARGET_DB_URL": shared_dbs.target.dsn(shared_dbs.target_db)})
    assert_reached_unavailable_stage(r)


def test_db_url_secret_schemes(privaci, write_config, shared_dbs):
    cfg = write_config(GOOD_CONFIG)
    env = {"ANONYMIZATION_SALT": good_salt()}
    r = privaci("dry-run", "--config", cfg, "--source", "vault://kv/data/db#url",
                "--target", shared_dbs.target_url, env=env)
    block = assert_ccr(r, 2, context="Resolving db_url secret from vault://<redacted>")
    assert "vault" in block["cause"]
    r = privaci("dry-run", "--config", cfg, "--source", "env://PV_SRC",
                "--target", shared_dbs.target_url, env=env)
    assert_ccr(r, 2, context="Resolving db_url secret from env://<redacted>",
               cause="Environment variable 'PV_SRC' is not set")
    r = privaci("dry-run", "--config", cfg, "--source", "env://PV_SRC",
                "--target", shared_dbs.target_url, env={**env, "PV_SRC": shared_dbs.source_url})
    assert_reached_unavailable_stage(r)


PASSWORD = "s3cretpw"


@pytest.mark.parametrize("how", ["uri-flag", "dsn-flag", "uri-env", "target-real"])
def test_db_password_never_echoed(privaci, write_config, shared_dbs, how):
    cfg = write_config(GOOD_CONFIG)
    env = {"ANONYMIZATION_SALT": good_salt()}
    unreachable_uri = f"postgresql://u:{PASSWORD}@127.0.0.1:1/db?connect_timeout=2"
    unreachable_dsn = f"host=127.0.0.1 port=1 user=u password={PASSWORD} dbname=db"
    target = shared_dbs.target_url
    source = shared_dbs.source_url
    if how == "uri-flag":
        args = ["--source", unreachable_uri, "--target", target]
    elif how == "dsn-flag":
        args = ["--source", unreachable_dsn, "--target", target]
    elif how == "uri-env":
        args = ["--target", target]
        env["SOURCE_DB_URL"] = unreachable_uri
    else:  # the real target with a password it does not need (trust auth)
        tgt = shared_dbs.target
        args = ["--source", source, "--target",
                f"postgresql://postgres:{PASSWORD}@/{shared_dbs.target_db}"
                f"?host={tgt.socket_dir}&port={tgt.port}"]
    for command in ("dry-run", "run", "resume"):
        r = privaci(command, "--config", cfg, *args, "--log-level", "debug", env=env)
        assert r.code in (0, 1, 2, 3), r
        if r.code:
            parse_ccr(r.stderr)
        assert_event_stream(r)
        assert PASSWORD not in r.stdout + r.stderr, r


# ================================================================== real clusters


def _assert_untouched(dbs, before_src, before_tgt):
    assert db_state(dbs.source, dbs.source_db) == before_src
    assert db_state(dbs.target, dbs.target_db) == before_tgt


@pytest.mark.parametrize("command", ["run", "dry-run", "resume"])
def test_run_family_against_real_clusters(privaci, write_config, fresh_dbs, command):
    dbs = fresh_dbs
    cfg = write_config(GOOD_CONFIG)
    before_src = db_state(dbs.source, dbs.source_db)
    before_tgt = db_state(dbs.target, dbs.target_db)
    salt = good_salt()
    r = privaci(command, "--config", cfg, "--source", dbs.source_url, "--target",
                dbs.target_url, env={"ANONYMIZATION_SALT": salt})
    assert_reached_unavailable_stage(r)
    events = assert_event_stream(r)
    assert events and all(isinstance(e, dict) for e in events)
    assert_no_secret(r, salt)
    if command == "run":
        # The run did its work: the source is untouched, the target masked.
        assert db_state(dbs.source, dbs.source_db) == before_src
        after = db_state(dbs.target, dbs.target_db)
        assert "_privaci" in after["schemas"] and "_privaci" not in before_tgt["schemas"]
        return
    _assert_untouched(dbs, before_src, before_tgt)
    assert "_privaci" not in before_tgt["schemas"]


def test_dry_run_with_busy_target_writes_nothing(privaci, write_config, busy_target_dbs):
    dbs = busy_target_dbs
    cfg = write_config(GOOD_CONFIG)
    before_src = db_state(dbs.source, dbs.source_db)
    before_tgt = db_state(dbs.target, dbs.target_db)
    assert before_tgt["rows"] == {"public.keep_me": 1}
    r = privaci("dry-run", "--config", cfg, "--source", dbs.source.dsn(dbs.source_db),
                "--target", dbs.target_url, env={"ANONYMIZATION_SALT": good_salt()})
    assert r.code != 0 or "Dry run complete; no writes performed." in r.stderr, r
    assert_event_stream(r)
    _assert_untouched(dbs, before_src, before_tgt)


JSON_MASK_CONFIG = """\
version: "1.0"
tables:
  public.users:
    columns:
      email: { action: fake, provider: email }
      payload:
        action: json_mask
        rules:
          - path: "$.email"
            action: fake
            provider: email
"""
SUBSET_BLOCK = """\
subset:
  roots:
    public.users: "id < 10"
"""


@pytest.mark.parametrize("command", ["run", "dry-run"])
@pytest.mark.parametrize("features", ["json_mask", "subset", "both"])
def test_unavailable_features_rejected_at_preflight(privaci, write_config, fresh_dbs,
                                                    command, features):
    dbs = fresh_dbs
    if features == "json_mask":
        text = JSON_MASK_CONFIG
    elif features == "subset":
        text = GOOD_CONFIG + SUBSET_BLOCK
    else:
        text = JSON_MASK_CONFIG + SUBSET_BLOCK
    cfg = write_config(text)
    before_tgt = db_state(dbs.target, dbs.target_db)
    r = privaci(command, "--config", cfg, "--source", dbs.source_url, "--target",
                dbs.target_url, env={"ANONYMIZATION_SALT": good_salt()})
    expected = []
    if features in ("json_mask", "both"):
        # The column's node: its key, its mapping or its `action` value.
        where = "|".join(re.escape(f"(line {line}, column {col})") for line, col in (
            token_pos(text, 6, "payload"), token_pos(text, 7, "action"),
            token_pos(text, 7, "json_mask")))
        expected.append(re.escape("json_mask is not available in this build: "
                                  "tables.public.users.columns.payload ") + f"(?:{where})")
    if features in ("subset", "both"):
        line = text.split("\n").index("subset:") + 1
        expected.append(re.escape(f"subset is not available in this build: subset (line {line}, "
                                  "column 1)"))
    assert_ccr(r, 3, context="Checking configured features",
               cause=re.compile("\n".join(expected)),
               remediation="Remove it from mask-rules.yaml or upgrade privaci.")
    assert_error_event(r, 3)
    assert db_state(dbs.target, dbs.target_db) == before_tgt


# ================================================================== docs links


def github_slug(heading: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links -> text
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def doc_anchors(page: Path) -> set[str]:
    anchors, seen = set(), {}
    in_fence = False
    for line in page.read_text(encoding="utf-8").split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        m = None if in_fence else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        slug = github_slug(m.group(1))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


DOC_REF = re.compile(r"docs/([a-z-]*\.md)(?:#([a-z0-9-]*))?")


def _cited_refs() -> dict[tuple[str, str], set[str]]:
    refs: dict[tuple[str, str], set[str]] = {}
    sources = [SPEC_DIR / "errors.md"] if (SPEC_DIR / "errors.md").exists() else []
    sources += sorted(p for p in (REPO / "src").rglob("*") if p.suffix in (".c", ".h"))
    for path in sources:
        for m in DOC_REF.finditer(path.read_text(encoding="utf-8", errors="replace")):
            refs.setdefault((m.group(1), m.group(2) or ""), set()).add(
                str(path.relative_to(REPO) if REPO in path.parents else path))
    return refs


def test_docs_links_resolve():
    refs = _cited_refs()
    assert (SPEC_DIR / "errors.md").exists(), f"spec not found under {SPEC_DIR}"
    # The pages errors.md §1 promises, with their anchors, are always checked.
    for code, anchor in ANCHORS.items():
        refs.setdefault(("error-codes.md", anchor), set()).add("errors.md §1")
    for page in ("configuration.md#actions", "configuration.md#installing-a-config-pack",
                 "secrets.md", "object-output.md"):
        name, _, anchor = page.partition("#")
        refs.setdefault((name, anchor), set()).add("errors.md §1")
    # Anchors the C code builds without the docs/ prefix (pv_error_anchor).
    for path in sorted((REPO / "src").rglob("*.c")):
        for anchor in re.findall(r"exit-code-[0-9]+-[a-z0-9-]+", path.read_text()):
            refs.setdefault(("error-codes.md", anchor), set()).add(
                str(path.relative_to(REPO)))
    problems = []
    for (page, anchor), where in sorted(refs.items()):
        doc = REPO / "docs" / page
        if not doc.is_file():
            problems.append(f"docs/{page} missing (cited in {sorted(where)})")
            continue
        if anchor and anchor not in doc_anchors(doc):
            problems.append(f"docs/{page}#{anchor}: no such heading (cited in {sorted(where)})")
    assert not problems, "\n".join(problems)


def test_github_slug():
    assert github_slug("Exit code 3: config validation failure") == \
        "exit-code-3-config-validation-failure"
    assert github_slug("Installing a config pack") == "installing-a-config-pack"
    assert github_slug("`json_mask` rules") == "json_mask-rules"


# ================================================================== harness


def test_clusters_are_private(source_cluster, target_cluster):
    for cluster in (source_cluster, target_cluster):
        with cluster.connect() as conn:
            assert conn.execute("SHOW listen_addresses").fetchone()[0] == ""
            assert conn.execute("SHOW fsync").fetchone()[0] == "off"
            assert conn.execute("SHOW server_version_num").fetchone()[0].startswith("15")
    assert source_cluster.port != target_cluster.port
    if os.geteuid() == 0:
        owner = subprocess.run(["stat", "-c", "%U", str(source_cluster.datadir)],
                               capture_output=True, text=True).stdout.strip()
        assert owner == "postgres"


def test_privaci_env_is_clean(privaci, monkeypatch):
    monkeypatch.setenv("ANONYMIZATION_SALT", "leak" * 10)
    monkeypatch.setenv("PRIVACI_CONFIG", "/leak.yaml")
    monkeypatch.setenv("SOURCE_DB_URL", "postgresql://leak@/x")
    from conftest import clean_env
    env = clean_env({"PRIVACI_LOG_LEVEL": "debug", "PATH": None})
    assert "ANONYMIZATION_SALT" not in env and "PRIVACI_CONFIG" not in env
    assert "SOURCE_DB_URL" not in env and "PATH" not in env
    assert env["PRIVACI_LOG_LEVEL"] == "debug"

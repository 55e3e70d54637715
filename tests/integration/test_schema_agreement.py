"""`privaci schema config` against `privaci validate` (spec/config.md §10).

The JSON Schema and the validator must agree on structure. Every file of
tests/corpus/ is judged by both:

  good/            both accept (validator exit 0)
  bad_structural/  both reject (validator exit 3)
  validator_only/  the schema accepts, the validator rejects with the exit
                   code in the file's header — the checks only the validator
                   makes (duplicate keys, version value, regex, templates,
                   providers, append, ai_refine, keyed key, json_mask paths)

Each corpus file starts with `# expect: exit=<code>`; a validator_only file
adds `# cause: <text>` naming the check that must fire, so a case cannot
pass by failing for some other reason. The schema side loads
YAML with PyYAML (which keeps the last of duplicate keys, so the schema
accepts those files as intended) and validates with Draft 2020-12.

No database is needed. Run with Debian's interpreter:
    /usr/bin/python3 -m pytest tests/integration/test_schema_agreement.py -q
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import run_privaci

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "corpus"
KINDS = ("good", "bad_structural", "validator_only")
MIN_FILES = {"good": 15, "bad_structural": 25, "validator_only": 10}
HEADER = re.compile(r"^# expect: exit=(\d+)\n")
CAUSE = re.compile(r"^# cause: (.+)$", re.MULTILINE)

# validate needs no secrets; the keyed-action cases (exit 4) rely on
# PSEUDONYM_KEY being absent, which conftest's clean environment guarantees —
# set to None here as well so the intent is explicit.
VALIDATE_ENV = {
    "PSEUDONYM_KEY": None,
    "ANONYMIZATION_SALT": None,
    "PRIVACI_PROVIDERS_PATH": None,
    "PRIVACI_DATA_DIR": REPO / "data",
}

EXPECTED_DEFS = {
    "TableConfig", "FakeAction", "RegexMaskAction", "HashAction", "HmacHashAction",
    "PseudonymAction", "PassthroughAction", "NullAction", "StaticAction", "NerMaskAction",
    "AiRefineAction", "JsonMaskAction", "JsonMaskRule", "SubsetConfig",
}


def corpus_files(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*.yaml"))


def expected_exit(path: Path) -> int:
    match = HEADER.match(path.read_text(encoding="utf-8"))
    assert match, f"{path} must start with '# expect: exit=<code>'"
    return int(match.group(1))


@pytest.fixture(scope="module")
def schema_text() -> str:
    res = run_privaci("schema", "config", env=VALIDATE_ENV)
    assert res.code == 0, str(res)
    assert res.stderr == "", str(res)
    return res.stdout


@pytest.fixture(scope="module")
def schema(schema_text) -> dict:
    return json.loads(schema_text)


@pytest.fixture(scope="module")
def validator(schema) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


def expected_cause(path: Path) -> str:
    match = CAUSE.search(path.read_text(encoding="utf-8"))
    assert match, f"{path} must name the validator check with '# cause: <text>'"
    return match.group(1).rstrip()


def schema_errors(validator, path: Path) -> list[str]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in validator.iter_errors(doc)]


def validate(path: Path):
    return run_privaci("validate", "--config", path, env=VALIDATE_ENV, cwd=path.parent)


# ---------------------------------------------------------------- the schema itself


def test_schema_is_valid_draft_2020_12(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_schema_is_pretty_printed_with_sorted_keys(schema_text, schema):
    assert schema_text == json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_schema_shape(schema):
    assert schema["title"] == "Config"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["version"]
    assert EXPECTED_DEFS <= set(schema["$defs"])
    props = schema["properties"]
    assert set(props) == {
        "version", "global_salt", "pseudonym_key", "on_existing_data", "strict_autodetect",
        "replicate_all_indexes", "batch_size", "audit_log", "auto_detect", "faker_library",
        "implied_fk_ignore", "tables", "subset",
    }
    for key in ("global_salt", "pseudonym_key"):
        assert props[key]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert props["version"] == {"type": "string"}
    assert props["batch_size"]["minimum"] == 1
    assert props["batch_size"]["default"] == 10000
    assert props["faker_library"]["enum"] == ["standard", "classic"]
    assert "append" in props["on_existing_data"]["enum"]
    pattern = {"pattern": "^.+\\.[^.]+$"}
    assert props["tables"]["propertyNames"] == pattern
    assert schema["$defs"]["SubsetConfig"]["properties"]["roots"]["propertyNames"] == pattern


def test_action_defs(schema):
    defs = schema["$defs"]
    column_union = defs["TableConfig"]["properties"]["columns"]["additionalProperties"]
    mapping = column_union["discriminator"]["mapping"]
    assert column_union["discriminator"]["propertyName"] == "action"
    assert sorted(mapping) == sorted([
        "fake", "regex_mask", "hash", "hmac_hash", "pseudonym", "passthrough", "null",
        "static", "ner_mask", "ai_refine", "json_mask",
    ])
    assert sorted(branch["$ref"] for branch in column_union["oneOf"]) == sorted(mapping.values())
    for tag, ref in mapping.items():
        d = defs[ref.removeprefix("#/$defs/")]
        assert d["additionalProperties"] is False
        assert d["properties"]["action"] == {"const": tag}
        assert d["required"][0] == "action"
    assert defs["FakeAction"]["required"] == ["action", "provider"]
    assert defs["RegexMaskAction"]["required"] == ["action", "pattern", "replace"]
    assert defs["StaticAction"]["required"] == ["action", "value"]
    assert defs["AiRefineAction"]["required"] == ["action", "provider", "model"]
    assert defs["JsonMaskAction"]["required"] == ["action", "rules"]
    assert defs["NerMaskAction"]["properties"]["entities"]["default"] == [
        "PERSON", "ORG", "GPE", "LOC"]
    rule_tags = set(defs["JsonMaskRule"]["discriminator"]["mapping"])
    assert rule_tags == {"fake", "pseudonym", "hash", "hmac_hash", "regex_mask", "static",
                         "null", "ner_mask", "passthrough", "remove"}


# ---------------------------------------------------------------- the corpus


def test_corpus_is_large_enough():
    for kind, minimum in MIN_FILES.items():
        assert len(corpus_files(kind)) >= minimum, kind


@pytest.mark.parametrize("path", corpus_files("good"), ids=lambda p: p.stem)
def test_good_configs_pass_both(path, validator):
    assert expected_exit(path) == 0
    assert schema_errors(validator, path) == []
    res = validate(path)
    assert res.code == 0, str(res)


@pytest.mark.parametrize("path", corpus_files("bad_structural"), ids=lambda p: p.stem)
def test_structural_errors_fail_both(path, validator):
    assert expected_exit(path) == 3
    assert schema_errors(validator, path) != [], "the schema accepts it"
    res = validate(path)
    assert res.code == 3, str(res)


@pytest.mark.parametrize("path", corpus_files("validator_only"), ids=lambda p: p.stem)
def test_validator_only_checks(path, validator):
    code = expected_exit(path)
    assert code in (3, 4)
    assert schema_errors(validator, path) == []
    res = validate(path)
    assert res.code == code, str(res)
    assert expected_cause(path) in res.stderr, str(res)

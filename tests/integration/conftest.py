"""pytest harness: two private PostgreSQL 15 clusters and the privaci binary.

Fixtures
  source_cluster, target_cluster  session-scoped pg.Cluster objects with
                                  .dsn(db) .url(db) .connect(db) .create_db(n)
                                  .drop_db(n)
  privaci                         callable running the binary in a clean env
  write_config                    writes a mask-rules.yaml into tmp_path

Run with Debian's interpreter so python3-pytest / python3-psycopg import:
    /usr/bin/python3 -m pytest tests/integration -q
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pg  # noqa: E402

REPO = Path(__file__).resolve().parents[2]

# The child gets only these variables from the caller's environment (plus
# what a test passes in): so SOURCE_DB_URL, TARGET_DB_URL,
# ANONYMIZATION_SALT, PSEUDONYM_KEY, PRIVACI_* and libpq's PG* never leak in
# by accident. Sanitizer settings are kept so `make test-asan` reaches the
# binary.
_KEPT = ("PATH", "HOME", "LANG", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


# ---------------------------------------------------------------- clusters


@pytest.fixture(scope="session")
def pg_clusters():
    try:
        pair = pg.ClusterPair()
    except pg.ClusterError as exc:
        pytest.fail(f"Cannot set up the PostgreSQL test clusters: {exc}", pytrace=False)
    atexit.register(pair.close)  # also on an interrupted session
    try:
        try:
            pair.start()
        except pg.ClusterError as exc:
            pytest.fail(f"Cannot start the PostgreSQL test clusters: {exc}", pytrace=False)
        yield pair
    finally:
        pair.close()


@pytest.fixture(scope="session")
def source_cluster(pg_clusters) -> pg.Cluster:
    return pg_clusters.source


@pytest.fixture(scope="session")
def target_cluster(pg_clusters) -> pg.Cluster:
    return pg_clusters.target


# ---------------------------------------------------------------- binary


def privaci_bin() -> Path:
    return Path(os.environ.get("PRIVACI_BIN") or REPO / "build" / "privaci")


class NotJsonLines(AssertionError):
    pass


@dataclass(repr=False)
class Result:
    argv: list[str]
    code: int
    stdout: str
    stderr: str
    _events: list | None = field(default=None, repr=False)

    @property
    def events(self) -> list[dict]:
        """stdout as JSON lines; every non-empty line must be one JSON object."""
        if self._events is None:
            events = []
            for n, line in enumerate(self.stdout.split("\n"), 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as exc:
                    raise NotJsonLines(
                        f"stdout line {n} of {self.argv} is not JSON ({exc}): {line!r}"
                    ) from None
                if not isinstance(obj, dict):
                    raise NotJsonLines(f"stdout line {n} is JSON but not an object: {line!r}")
                events.append(obj)
            self._events = events
        return self._events

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return (f"\n$ {' '.join(self.argv)}\nexit {self.code}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}--- end")

    __repr__ = __str__


def clean_env(overrides: dict | None = None) -> dict:
    env = {k: os.environ[k] for k in _KEPT if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.setdefault("LANG", "C.UTF-8")
    for key, value in (overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value)
    return env


def run_privaci(*args, env: dict | None = None, cwd=None, timeout: float = 120,
                stdin: str | None = None) -> Result:
    binary = privaci_bin()
    if not binary.is_file():
        pytest.fail(f"privaci binary not found at {binary}; build it with `make` or set "
                    f"PRIVACI_BIN", pytrace=False)
    argv = [str(binary), *[str(a) for a in args]]
    proc = subprocess.run(argv, env=clean_env(env), cwd=cwd, timeout=timeout,
                          input=stdin if stdin is not None else None,
                          stdin=None if stdin is not None else subprocess.DEVNULL,
                          capture_output=True, text=True, errors="surrogateescape")
    return Result(argv=argv, code=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


@pytest.fixture
def privaci(tmp_path):
    """privaci(*args, env={...}, cwd=..., stdin=...) -> Result(.code .stdout .stderr .events).

    The environment is clean: PATH, HOME, LANG (and sanitizer options) are
    kept; SOURCE_DB_URL, TARGET_DB_URL, ANONYMIZATION_SALT, PSEUDONYM_KEY and
    PRIVACI_* are present only when the test passes them in `env` (a value of
    None removes a variable). The working directory defaults to tmp_path.
    """

    def _run(*args, env=None, cwd=None, timeout=120, stdin=None):
        return run_privaci(*args, env=env, cwd=cwd or tmp_path, timeout=timeout, stdin=stdin)

    return _run


@pytest.fixture
def write_config(tmp_path):
    """write_config(text, name='mask-rules.yaml') -> Path"""

    def _write(text: str, name: str = "mask-rules.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write

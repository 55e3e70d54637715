"""`privaci resume`, signals and retries against real clusters and real faults.

spec: state.md §5.2 (the resume gate and its messages), streaming.md §6–§8
(checkpoints, retries, failure handling) and §11 (signals), cli.md §3.3,
errors.md (exit 2, 130).

Every test compares the target with the source by `count(*)`,
`count(DISTINCT pk)` and an order-independent checksum of `t::text`, so a
lost or duplicated row shows whichever way it happened.

  - SIGKILL at random moments (mostly at random batch counts, some at
    random times so pre-flight, DDL and post-data get hit too), then
    `resume`, at least KILLS times over a 2,000,000-row table;
  - SIGINT mid-run → 130 / `interrupted` → resume;
  - pg_terminate_backend on the source and the target worker backends →
    the retry recovers; the target server stopped for longer than the
    retries → exit 1 "Retries exhausted", resume after the restart;
  - each gate refusal with its own message, the target untouched;
  - uuid / text / timestamptz keys continue after their cursor,
    composite-key and key-less tables restart from scratch;
  - a unit the target rejected is retried by resume once the source is fixed;
  - memory: RSS sampled while a 10,000,000-row table streams stays flat
    (skipped under AddressSanitizer, whose quarantine dominates RSS).

Set PRIVACI_KILL_SEED to replay a kill sequence.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest

import pg
from conftest import Result, clean_env, privaci_bin

SALT = "resume-tests-salt-" + "Qx7#" * 8
OTHER_SALT = "another-salt-for-the-gate-" + "Zy3%" * 8
BATCH = 20_000
BIG_ROWS = 2_000_000
KILLS = 22

CONFIG = """version: "1.0"
auto_detect: false
batch_size: {batch}
"""


# ------------------------------------------------------------------ helpers


def new_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def write_config(tmp_path: Path, batch: int = BATCH, name: str = "mask-rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(CONFIG.format(batch=batch), encoding="utf-8")
    return path


def env_for(source_url: str, target_url: str, salt: str = SALT) -> dict:
    return {"SOURCE_DB_URL": source_url, "TARGET_DB_URL": target_url, "ANONYMIZATION_SALT": salt}


class Job:
    """privaci running in the background, its streams going to files (a pipe
    nobody reads would stall it)."""

    def __init__(self, tmp_path: Path, command: str, config: Path, env: dict, *extra: str):
        self.n = len(list(tmp_path.glob("job*.out")))
        self.out = tmp_path / f"job{self.n}.out"
        self.err = tmp_path / f"job{self.n}.err"
        self.argv = [str(privaci_bin()), command, "--config", str(config), "--no-progress",
                     "--jobs", "1", *extra]
        with open(self.out, "wb") as fo, open(self.err, "wb") as fe:
            self.proc = subprocess.Popen(self.argv, env=clean_env(env), stdout=fo, stderr=fe,
                                         stdin=subprocess.DEVNULL, cwd=tmp_path)

    def running(self) -> bool:
        return self.proc.poll() is None

    def signal(self, signo: int) -> None:
        if self.running():
            self.proc.send_signal(signo)

    def result(self, timeout: float = 240) -> Result:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"{self.argv} did not end within {timeout} s")
        return Result(argv=self.argv, code=code,
                      stdout=self.out.read_text(errors="replace"),
                      stderr=self.err.read_text(errors="replace"))


def run_to_end(tmp_path, command, config, env, *extra, timeout=240) -> Result:
    return Job(tmp_path, command, config, env, *extra).result(timeout)


def connect(cluster: pg.Cluster, db: str):
    return psycopg.connect(cluster.dsn(db), autocommit=True)


def scalar(cluster, db, sql, params=None):
    with connect(cluster, db) as conn:
        row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def fingerprint(cluster, db: str, table: str, key: str | None) -> tuple:
    """(rows, distinct keys, order-independent checksum of t::text)."""
    distinct = f"count(DISTINCT {key})" if key else "count(DISTINCT t::text)"
    sql = (f"SELECT count(*), {distinct}, coalesce(sum(('x' || substr(md5(t::text), 1, 15))"
           f"::bit(60)::bigint::numeric), 0) FROM {table} t")
    with connect(cluster, db) as conn:
        return tuple(conn.execute(sql).fetchone())


def progress(cluster, db: str) -> int:
    """Rows committed by the open run (checkpoints commit with their data); -1 before any."""
    try:
        return scalar(cluster, db, "SELECT coalesce(sum(c.rows_processed), 0)"
                      " FROM _privaci.table_checkpoints c JOIN _privaci.runs r USING (run_id)"
                      " WHERE r.status = 'in_progress'") or 0
    except psycopg.Error:
        return -1


def wait_backends_gone(cluster, db: str, timeout: float = 30) -> None:
    """After a SIGKILL the server still has the dead client's backends for a
    moment (one may even commit a COMMIT already in its socket): wait them out
    before looking at the target."""
    deadline = time.monotonic() + timeout
    while scalar(cluster, db, "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                 " AND application_name = 'privaci'", (db,)):
        assert time.monotonic() < deadline, "privaci's backends outlived it"
        time.sleep(0.02)


def incomplete_run(cluster, db: str) -> str | None:
    try:
        return scalar(cluster, db, "SELECT status FROM _privaci.runs WHERE status IN"
                      " ('in_progress', 'interrupted', 'failed') ORDER BY started_at DESC")
    except psycopg.Error:
        return None


def kill_when(job: Job, condition, timeout: float = 120) -> bool:
    """SIGKILLs the job once condition() holds; False when it ended first."""
    deadline = time.monotonic() + timeout
    while job.running():
        if condition():
            job.signal(signal.SIGKILL)
            job.proc.wait()
            return True
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.005)
    return False


def ccr(stderr: str) -> dict:
    block = {}
    for line in stderr.splitlines():
        for key in ("Context", "Cause", "Remediation"):
            if line.startswith(key + ": "):
                block.setdefault(key.lower(), line[len(key) + 2:])
    return block


def events(res: Result, name: str) -> list[dict]:
    return [e for e in res.events if e.get("event") == name]


# ------------------------------------------------------------------ the 2M-row source


BIG_SQL = f"""
CREATE TABLE public.big (id bigint PRIMARY KEY, v text NOT NULL, n integer);
INSERT INTO public.big SELECT g, md5(g::text), g % 1000 FROM generate_series(1, {BIG_ROWS}) g;
ANALYZE public.big;
"""


@pytest.fixture(scope="module")
def big_source(source_cluster):
    db = source_cluster.create_db(new_name("resume_big"))
    with connect(source_cluster, db) as conn:
        conn.execute(BIG_SQL)
    expected = fingerprint(source_cluster, db, "public.big", "id")
    assert expected[0] == BIG_ROWS
    yield db, expected
    source_cluster.drop_db(db)


@pytest.fixture
def target_db(target_cluster):
    db = target_cluster.create_db(new_name("resume_tgt"))
    yield db
    target_cluster.drop_db(db)


# ------------------------------------------------------------------ 1. SIGKILL and resume


def check_consistent(cluster, db: str) -> None:
    """Between two attempts: rows on the target = the checkpoint's count, no duplicates."""
    if not scalar(cluster, db, "SELECT to_regclass('public.big') IS NOT NULL"):
        return
    rows, distinct = scalar(cluster, db, "SELECT ARRAY[count(*), count(DISTINCT id)]"
                            " FROM public.big")
    assert rows == distinct, f"{rows - distinct} duplicated row(s) after a kill"
    if incomplete_run(cluster, db):
        # A run killed before its first checkpoint (e.g. a --force-restart
        # killed before its TRUNCATE committed) still shows the previous
        # run's rows; resume truncates such a table before loading it, and
        # the final fingerprint proves it. Only a checkpoint row binds the count.
        ckpt = scalar(cluster, db, "SELECT sum(c.rows_processed)"
                      " FROM _privaci.table_checkpoints c WHERE c.run_id ="
                      " (SELECT run_id FROM _privaci.runs ORDER BY started_at DESC LIMIT 1)")
        if ckpt is not None:
            assert rows == ckpt, f"target holds {rows} rows, its checkpoint says {ckpt}"


def test_sigkill_at_random_moments_then_resume(tmp_path, source_cluster, target_cluster,
                                               big_source, target_db):
    src, expected = big_source
    env = env_for(source_cluster.url(src), target_cluster.url(target_db))
    config = write_config(tmp_path)
    seed = int(os.environ.get("PRIVACI_KILL_SEED") or random.randrange(1 << 30))
    rng = random.Random(seed)
    print(f"kill seed {seed}")
    kills, completed, command = 0, 0, ["run"]
    history = []
    while kills < KILLS:
        job = Job(tmp_path, *command[:1], config, env, *command[1:])
        if rng.random() < 0.25:
            # Anywhere in the lifecycle: pre-flight, pg_dump, pre-data, post-data.
            at = time.monotonic() + rng.uniform(0.02, 1.2)
            killed = kill_when(job, lambda: time.monotonic() >= at)
            how = "time"
        else:
            start = max(progress(target_cluster, target_db), 0)
            want = start + rng.randint(1, 5) * BATCH
            killed = kill_when(job, lambda: progress(target_cluster, target_db) >= want)
            how = f"{want // BATCH} batches"
        history.append((command[0], how, killed))
        if killed:
            kills += 1
            wait_backends_gone(target_cluster, target_db)
            check_consistent(target_cluster, target_db)
        else:
            res = job.result()
            assert res.code == 0, (history, res)
            assert fingerprint(target_cluster, target_db, "public.big", "id") == expected
            completed += 1
        # A kill before the run row existed leaves nothing to resume.
        command = (["resume"] if incomplete_run(target_cluster, target_db)
                   else ["run", "--force-restart"])
    print(f"{kills} kills, {completed} attempt(s) completed before their kill: {history}")

    if command[0] == "resume":
        res = run_to_end(tmp_path, "resume", config, env)
        assert res.code == 0, (history, res)
        assert re.search(r"^Run \S+ resumed: \d+ table\(s\), \d+ row\(s\)\.$", res.stderr, re.M)
    assert fingerprint(target_cluster, target_db, "public.big", "id") == expected
    assert scalar(target_cluster, target_db, "SELECT status FROM _privaci.runs"
                  " ORDER BY started_at DESC LIMIT 1") == "succeeded"
    # Post-data ran on the resumed table: its key is back.
    assert scalar(target_cluster, target_db,
                  "SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.big'::regclass"
                  " AND contype = 'p'") == 1


# ------------------------------------------------------------------ 2. SIGINT


@pytest.mark.parametrize("signo", [signal.SIGINT, signal.SIGTERM])
def test_signal_mid_run_then_resume(tmp_path, source_cluster, target_cluster, big_source,
                                    target_db, signo):
    src, expected = big_source
    env = env_for(source_cluster.url(src), target_cluster.url(target_db))
    config = write_config(tmp_path)
    job = Job(tmp_path, "run", config, env)
    deadline = time.monotonic() + 60
    while progress(target_cluster, target_db) < 5 * BATCH:
        assert job.running() and time.monotonic() < deadline, job.result()
        time.sleep(0.005)
    job.signal(signo)
    res = job.result()
    assert res.code == 130, res
    name = "SIGINT" if signo == signal.SIGINT else "SIGTERM"
    assert any(e.get("message") == f"Received {name}; finishing current batch then stopping"
               for e in events(res, "log")), res
    end = events(res, "run.end")
    assert len(end) == 1 and end[0]["status"] == "interrupted", res
    assert end[0]["errors"] == 0 and end[0]["failed_units"] == [], end
    assert ccr(res.stderr) == {
        "context": "Streaming masked rows",
        "cause": "Interrupted by signal (SIGINT/SIGTERM).",
        "remediation": "Resume with `privaci resume` after fixing the issue."}, res
    run_id = end[0]["run_id"]
    assert scalar(target_cluster, target_db, "SELECT status FROM _privaci.runs WHERE run_id = %s",
                  (run_id,)) == "interrupted"
    assert scalar(target_cluster, target_db, "SELECT ended_at IS NOT NULL FROM _privaci.runs")
    # The batch in flight was committed with its checkpoint, nothing after it.
    wait_backends_gone(target_cluster, target_db)
    check_consistent(target_cluster, target_db)
    stopped_at = scalar(target_cluster, target_db, "SELECT count(*) FROM public.big")
    assert 0 < stopped_at < BIG_ROWS

    res = run_to_end(tmp_path, "resume", config, env)
    assert res.code == 0, res
    assert f"Run {run_id} resumed: 1 table(s), {BIG_ROWS - stopped_at} row(s)." in res.stderr
    assert not events(res, "run.start"), "resume never repeats run.start"
    end = events(res, "run.end")
    assert end[0]["status"] == "succeeded" and end[0]["run_id"] == run_id
    assert end[0]["rows_processed"] == BIG_ROWS - stopped_at
    assert fingerprint(target_cluster, target_db, "public.big", "id") == expected
    assert scalar(target_cluster, target_db, "SELECT status FROM _privaci.runs") == "succeeded"


def unit_done(cluster, db: str) -> bool:
    try:
        return bool(scalar(cluster, db, "SELECT count(*) FROM _privaci.table_checkpoints"
                           " WHERE status = 'done'"))
    except psycopg.Error:
        return False


def run_phase(cluster, db: str) -> str | None:
    """The phase the newest run recorded (streaming.md §12), or None."""
    try:
        return scalar(cluster, db, "SELECT summary->>'phase' FROM _privaci.runs"
                      " ORDER BY started_at DESC LIMIT 1")
    except psycopg.Error:
        return None


@pytest.mark.parametrize("moment", ["early", "post_data"])
def test_signal_during_ddl_then_resume(tmp_path, source_cluster, target_cluster, big_source,
                                       target_db, moment):
    """streaming.md §11: a signal during pre-flight or DDL stops at the next
    statement boundary; resume (or a new run) finishes the job."""
    src, expected = big_source
    env = env_for(source_cluster.url(src), target_cluster.url(target_db))
    config = write_config(tmp_path)
    job = Job(tmp_path, "run", config, env)
    if moment == "early":  # pre-flight, pg_dump or pre-data
        time.sleep(0.1)
    else:  # every row committed and post-data entered: the coordinator builds the key
        deadline = time.monotonic() + 60
        while not (unit_done(target_cluster, target_db) and
                   run_phase(target_cluster, target_db) == "post_data"):
            assert job.running() and time.monotonic() < deadline, job.result()
            time.sleep(0.005)
    job.signal(signal.SIGINT)
    res = job.result()
    assert res.code == 130, res
    block = ccr(res.stderr)
    assert block["cause"] == "Interrupted by signal (SIGINT/SIGTERM).", res
    if events(res, "run.start"):
        assert events(res, "run.end")[0]["status"] == "interrupted", res
        assert incomplete_run(target_cluster, target_db) == "interrupted"
        command = "resume"
    else:
        assert block["context"] == "Running PrivaCI", res
        assert block["remediation"] == "Resume the run with `privaci resume`.", res
        command = "run"
    if moment == "post_data":
        assert scalar(target_cluster, target_db,
                      "SELECT summary->>'phase' FROM _privaci.runs") == "post_data"
    res = run_to_end(tmp_path, command, config, env)
    assert res.code == 0, res
    assert fingerprint(target_cluster, target_db, "public.big", "id") == expected
    assert scalar(target_cluster, target_db,
                  "SELECT count(*) FROM pg_constraint WHERE conrelid = 'public.big'::regclass"
                  " AND contype = 'p'") == 1


def test_second_signal_exits_at_once(tmp_path, source_cluster, target_cluster, big_source,
                                     target_db):
    src, expected = big_source
    env = env_for(source_cluster.url(src), target_cluster.url(target_db))
    config = write_config(tmp_path)
    job = Job(tmp_path, "run", config, env)
    deadline = time.monotonic() + 60
    while progress(target_cluster, target_db) < 2 * BATCH:
        assert job.running() and time.monotonic() < deadline, job.result()
        time.sleep(0.005)
    job.signal(signal.SIGINT)
    job.signal(signal.SIGINT)
    started = time.monotonic()
    res = job.result(timeout=30)
    assert res.code == 130, res
    assert time.monotonic() - started < 5
    wait_backends_gone(target_cluster, target_db)
    check_consistent(target_cluster, target_db)
    # Best effort: marked interrupted (or left in_progress, which resume accepts too).
    assert incomplete_run(target_cluster, target_db) in ("interrupted", "in_progress")
    res = run_to_end(tmp_path, "resume", config, env)
    assert res.code == 0, res
    assert fingerprint(target_cluster, target_db, "public.big", "id") == expected


# ------------------------------------------------------------------ 3. retries


TERMINATE = {
    # The worker's COPY on the source.
    "source": "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s"
              " AND application_name = 'privaci' AND query LIKE 'COPY%%'",
    # Every privaci backend on the target but the coordinator (which holds the run lock).
    "target": "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s"
              " AND application_name = 'privaci' AND pid NOT IN"
              " (SELECT pid FROM pg_locks WHERE locktype = 'advisory')",
}


@pytest.mark.parametrize("side", ["source", "target"])
def test_terminated_backend_is_retried(tmp_path, source_cluster, target_cluster, big_source,
                                       target_db, side):
    src, expected = big_source
    env = env_for(source_cluster.url(src), target_cluster.url(target_db))
    config = write_config(tmp_path)
    job = Job(tmp_path, "run", config, env)
    deadline = time.monotonic() + 60
    while progress(target_cluster, target_db) < 4 * BATCH:
        assert job.running() and time.monotonic() < deadline, job.result()
        time.sleep(0.005)
    cluster, db = (source_cluster, src) if side == "source" else (target_cluster, target_db)
    terminated = 0
    while not terminated and job.running():
        terminated = scalar(cluster, db, TERMINATE[side], (db,))
    assert terminated, "the run ended before a backend could be terminated"
    res = job.result()
    assert res.code == 0, res
    retries = [e for e in events(res, "log") if e.get("message", "").endswith("; retrying")]
    assert retries, res
    assert retries[0]["message"] == f"{side.capitalize()} operation failed; retrying", retries
    assert retries[0]["attempt"] == 1 and retries[0]["delay_seconds"] == 0.5, retries
    assert events(res, "run.end")[0]["status"] == "succeeded"
    assert fingerprint(target_cluster, target_db, "public.big", "id") == expected


@pytest.fixture
def own_target():
    """A target cluster of this test's own: it gets stopped and restarted, which
    the session's shared clusters must never see."""
    bindir, user = pg.find_bindir(), pg._server_user()
    tmp = Path(tempfile.mkdtemp(prefix="privaci-resume-"))
    os.chmod(tmp, 0o700)
    sock = tmp / "sock"
    sock.mkdir()
    pg._chown_tree(tmp, user)
    cluster = pg.Cluster("resume-target", tmp / "target", sock, 54631, bindir, user)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_target_down_longer_than_retries_then_resume(tmp_path, source_cluster, big_source,
                                                     own_target):
    src, expected = big_source
    tgt = own_target.create_db("resume_down")
    env = env_for(source_cluster.url(src), own_target.url(tgt))
    config = write_config(tmp_path)
    job = Job(tmp_path, "run", config, env)
    deadline = time.monotonic() + 60
    while progress(own_target, tgt) < 3 * BATCH:
        assert job.running() and time.monotonic() < deadline, job.result()
        time.sleep(0.005)
    own_target.stop()
    res = job.result(timeout=120)
    assert res.code == 1, res
    block = ccr(res.stderr)
    assert block["context"] == "Streaming public.big", res
    assert re.fullmatch(r"Retries exhausted after 3 attempts \((I/O error|[0-9A-Z]{5}), "
                        r"batch \d+, rows_processed \d+\)\.", block["cause"]), res
    assert block["remediation"] == ("Check connectivity to both databases, then run "
                                    "`privaci resume`."), res
    retries = [e for e in events(res, "log") if e.get("message", "").endswith("; retrying")]
    assert [(e["attempt"], e["delay_seconds"]) for e in retries] == [(1, 0.5), (2, 1.0)], res
    end = events(res, "run.end")
    assert end and end[0]["status"] == "failed" and end[0]["failed_units"] == ["public.big"]

    own_target.start()
    # The run stayed in_progress (its end could not be written), which resume accepts.
    assert incomplete_run(own_target, tgt) == "in_progress"
    check_consistent(own_target, tgt)
    res = run_to_end(tmp_path, "resume", config, env)
    assert res.code == 0, res
    assert fingerprint(own_target, tgt, "public.big", "id") == expected


# ------------------------------------------------------------------ 4. the gate


def gate_sql(db: str) -> str:
    # The CHECK holds on the source (its database name) and not on the target,
    # so the target rejects the rows with small v: a unit failure (23514).
    return f"""
CREATE TABLE public.ok (id integer PRIMARY KEY, s text);
INSERT INTO public.ok SELECT g, 'ok ' || g FROM generate_series(1, 3000) g;
CREATE TABLE public.chk (id integer PRIMARY KEY, v integer,
    CONSTRAINT chk_v CHECK (current_database() = '{db}' OR v > 10));
INSERT INTO public.chk SELECT g, g FROM generate_series(11, 4000) g;
INSERT INTO public.chk VALUES (987654321, 7);
ANALYZE;
"""


def target_state(cluster, db: str) -> tuple:
    with connect(cluster, db) as conn:
        runs = conn.execute("SELECT run_id, status, ended_at, summary::text FROM _privaci.runs"
                            " ORDER BY run_id").fetchall()
        ckpts = conn.execute("SELECT * FROM _privaci.table_checkpoints ORDER BY 2, 3").fetchall()
        audit = conn.execute("SELECT count(*) FROM _privaci.audit_log").fetchone()
        data = conn.execute("SELECT (SELECT count(*) FROM public.ok),"
                            " (SELECT count(*) FROM public.chk)").fetchone()
    return runs, ckpts, audit, data


@pytest.fixture
def failed_run(tmp_path, source_cluster, target_cluster):
    """A run that ended `failed`: public.chk rejected by the target."""
    src = source_cluster.create_db(new_name("resume_gate"))
    with connect(source_cluster, src) as conn:
        conn.execute(gate_sql(src))
    tgt = target_cluster.create_db(new_name("resume_gate_tgt"))
    env = env_for(source_cluster.url(src), target_cluster.url(tgt))
    config = write_config(tmp_path, batch=1000)
    res = run_to_end(tmp_path, "run", config, env)
    assert res.code == 1, res
    assert events(res, "run.end")[0]["failed_units"] == ["public.chk"], res
    yield src, tgt, env, config
    for cluster, db in ((source_cluster, src), (target_cluster, tgt)):
        cluster.drop_db(db)


GATE_CAUSES = {
    "config": "The mask-rules config changed since the incomplete run.",
    "salt": "The anonymization salt changed since the incomplete run.",
    "source": "The source database identity changed since the incomplete run.",
    "drift": "The source database schema changed since the incomplete run.",
}


def assert_gate(res: Result, cause: str) -> None:
    assert res.code == 2, res
    block = ccr(res.stderr)
    assert block["context"] == "Validating resume prerequisites", res
    assert block["cause"] == cause, res
    fail = events(res, "preflight.fail")
    assert fail and fail[0]["checks"][-1]["name"] == "resume_gate", res
    assert not events(res, "run.end"), res


def test_gate_refuses_each_mismatch_and_leaves_the_target(tmp_path, source_cluster,
                                                          target_cluster, failed_run):
    src, tgt, env, config = failed_run
    before = target_state(target_cluster, tgt)

    changed = write_config(tmp_path, batch=500, name="changed.yaml")
    assert_gate(run_to_end(tmp_path, "resume", changed, env), GATE_CAUSES["config"])

    assert_gate(run_to_end(tmp_path, "resume", config, {**env, "ANONYMIZATION_SALT": OTHER_SALT}),
                GATE_CAUSES["salt"])

    # Another database name on the same server, with the same schema.
    other = source_cluster.create_db(new_name("resume_gate_other"))
    try:
        with connect(source_cluster, other) as conn:
            conn.execute(gate_sql(other))
        res = run_to_end(tmp_path, "resume", config,
                         {**env, "SOURCE_DB_URL": source_cluster.url(other)})
        assert_gate(res, GATE_CAUSES["source"])
        assert "Point --source at the original database" in ccr(res.stderr)["remediation"]
    finally:
        source_cluster.drop_db(other)

    # The same database name on another server (the target cluster has it too).
    target_cluster.create_db(src)
    try:
        with connect(target_cluster, src) as conn:
            conn.execute(gate_sql(src))
        res = run_to_end(tmp_path, "resume", config,
                         {**env, "SOURCE_DB_URL": target_cluster.url(src)})
        assert_gate(res, GATE_CAUSES["source"])
    finally:
        target_cluster.drop_db(src)

    # A column added on the source: drift, naming the table and what changed.
    with connect(source_cluster, src) as conn:
        conn.execute("ALTER TABLE public.chk ADD COLUMN extra text")
    res = run_to_end(tmp_path, "resume", config, env)
    assert_gate(res, GATE_CAUSES["drift"])
    assert "Schema drift: public.chk (columns)" in res.stderr, res
    with connect(source_cluster, src) as conn:
        conn.execute("ALTER TABLE public.chk DROP COLUMN extra")

    assert target_state(target_cluster, tgt) == before


def test_no_run_to_resume(tmp_path, source_cluster, target_cluster, failed_run):
    src, _, env, config = failed_run
    empty = target_cluster.create_db(new_name("resume_empty"))
    try:
        res = run_to_end(tmp_path, "resume", config,
                         {**env, "TARGET_DB_URL": target_cluster.url(empty)})
        assert res.code == 2, res
        assert ccr(res.stderr) == {
            "context": "Validating resume prerequisites",
            "cause": "No incomplete run was found in the target database.",
            "remediation": "Start a fresh run with `privaci run`."}, res
        assert not scalar(target_cluster, empty, "SELECT to_regclass('_privaci.runs') IS NOT NULL")
    finally:
        target_cluster.drop_db(empty)


def test_failed_unit_is_retried_after_the_source_is_fixed(tmp_path, source_cluster,
                                                          target_cluster, failed_run):
    src, tgt, env, config = failed_run
    run_id = scalar(target_cluster, tgt, "SELECT run_id::text FROM _privaci.runs")
    assert scalar(target_cluster, tgt, "SELECT status FROM _privaci.runs") == "failed"
    audit = scalar(target_cluster, tgt, "SELECT payload::text FROM _privaci.audit_log"
                   " WHERE event_type = 'table.failed'")
    assert '"sqlstate": "23514"' in audit and "987654321" not in audit, audit

    # Resuming without a fix fails the same unit again, and only it.
    res = run_to_end(tmp_path, "resume", config, env)
    assert res.code == 1, res
    assert [e["table"] for e in events(res, "table.skip")] == ["public.ok"], res
    assert [e["table"] for e in events(res, "table.retry")] == ["public.chk"], res
    assert "987654321" not in res.output

    with connect(source_cluster, src) as conn:
        conn.execute("UPDATE public.chk SET v = 100 WHERE v <= 10")
    res = run_to_end(tmp_path, "resume", config, env)
    assert res.code == 0, res
    assert [e["reason"] for e in events(res, "table.skip")] == ["checkpoint_done"], res
    assert f"Run {run_id} resumed: 1 table(s)," in res.stderr, res
    for table in ("public.ok", "public.chk"):
        assert (fingerprint(target_cluster, tgt, table, "id")
                == fingerprint(source_cluster, src, table, "id")), table
    assert scalar(target_cluster, tgt, "SELECT status FROM _privaci.runs") == "succeeded"


# ------------------------------------------------------------------ 5. key types


KEYS_ROWS = 30_000
KEY_TABLES = {
    "public.k_uuid": "id",
    "public.k_text": "id",
    "public.k_ts": "id",
    "public.k_comp": None,
    "public.k_nopk": None,
}
KEYS_SQL = f"""
CREATE TABLE public.k_uuid (id uuid PRIMARY KEY, n integer);
INSERT INTO public.k_uuid SELECT md5('u' || g)::uuid, g FROM generate_series(1, {KEYS_ROWS}) g;
CREATE TABLE public.k_text (id text PRIMARY KEY, n integer);
-- Mixed case, a leading space, a quote and a backslash: the cursor is an escaped literal.
INSERT INTO public.k_text SELECT (CASE g % 3 WHEN 0 THEN upper(md5(g::text)) WHEN 1
    THEN ' ' || md5(g::text) ELSE md5(g::text) || chr(39) || chr(92) END), g
    FROM generate_series(1, {KEYS_ROWS}) g;
CREATE TABLE public.k_ts (id timestamptz PRIMARY KEY, n integer);
INSERT INTO public.k_ts SELECT timestamptz '2024-03-31 01:59:59.5+02'
    + g * interval '1 hour 0.000123 second', g FROM generate_series(1, {KEYS_ROWS}) g;
CREATE TABLE public.k_comp (a integer, b text, n integer, PRIMARY KEY (a, b));
INSERT INTO public.k_comp SELECT g % 97, md5(g::text), g FROM generate_series(1, {KEYS_ROWS}) g;
CREATE TABLE public.k_nopk (a integer, b text);
INSERT INTO public.k_nopk SELECT g % 50, 'r' || g FROM generate_series(1, {KEYS_ROWS}) g;
ANALYZE;
"""


def test_key_types_resume_after_their_cursor(tmp_path, source_cluster, target_cluster,
                                             target_db):
    src = source_cluster.create_db(new_name("resume_keys"))
    try:
        with connect(source_cluster, src) as conn:
            conn.execute(KEYS_SQL)
        expected = {t: fingerprint(source_cluster, src, t, k) for t, k in KEY_TABLES.items()}
        env = env_for(source_cluster.url(src), target_cluster.url(target_db))
        config = write_config(tmp_path, batch=1000)
        rng = random.Random(int(os.environ.get("PRIVACI_KILL_SEED") or 0) + 7)
        command, kills = "run", 0
        for _ in range(8):
            job = Job(tmp_path, command, config, env)
            start = max(progress(target_cluster, target_db), 0)
            want = start + rng.randint(3, 25) * 1000
            if not kill_when(job, lambda: progress(target_cluster, target_db) >= want):
                assert job.result().code == 0
                break
            kills += 1
            wait_backends_gone(target_cluster, target_db)
            # Key-less and composite-key tables load in one transaction: all or nothing.
            for table in ("public.k_comp", "public.k_nopk"):
                if scalar(target_cluster, target_db, f"SELECT to_regclass('{table}') IS NOT NULL"):
                    assert scalar(target_cluster, target_db,
                                  f"SELECT count(*) FROM {table}") in (0, KEYS_ROWS), table
            command = "resume" if incomplete_run(target_cluster, target_db) else "run"
        assert kills >= 3
        # The last kill may land after the run finished: then nothing is left to resume.
        if incomplete_run(target_cluster, target_db):
            res = run_to_end(tmp_path, "resume", config, env)
            assert res.code == 0, res
        assert scalar(target_cluster, target_db, "SELECT status FROM _privaci.runs"
                      " ORDER BY started_at DESC LIMIT 1") == "succeeded"
        for table, key in KEY_TABLES.items():
            assert fingerprint(target_cluster, target_db, table, key) == expected[table], table
        # Table-level units say so in the audit log.
        with connect(target_cluster, target_db) as conn:
            reasons = {r for (r,) in conn.execute(
                "SELECT payload->>'reason' FROM _privaci.audit_log"
                " WHERE event_type = 'checkpoint_fallback'").fetchall()}
        assert reasons == {"composite_pk", "no_pk"}
    finally:
        source_cluster.drop_db(src)


# ------------------------------------------------------------------ 6. memory


MEMORY_ROWS = 10_000_000


@pytest.mark.skipif("ASAN_OPTIONS" in os.environ,
                    reason="under AddressSanitizer RSS measures its quarantine, not privaci")
def test_memory_bounded_by_batch_not_table(tmp_path, source_cluster, target_cluster, target_db):
    """streaming.md §9: RSS ≈ fixed + jobs × 2 × batch bytes, whatever the table size.

    About 50 s (most of it generating the rows); measured on 2 cores: peak
    VmRSS 18.7 MB over 10,000,000 rows, the same in the first and the last
    tenth of the table."""
    src = source_cluster.create_db(new_name("resume_mem"))
    try:
        with connect(source_cluster, src) as conn:
            conn.execute(f"""
                CREATE TABLE public.huge (id bigint PRIMARY KEY, v text, n integer);
                INSERT INTO public.huge SELECT g, md5(g::text), g % 1000
                FROM generate_series(1, {MEMORY_ROWS}) g;
                ANALYZE public.huge;""")
        env = env_for(source_cluster.url(src), target_cluster.url(target_db))
        job = Job(tmp_path, "run", write_config(tmp_path), env)
        samples = []  # (rows committed so far, VmRSS kB)
        while job.running():
            try:
                status = Path(f"/proc/{job.proc.pid}/status").read_text()
            except OSError:
                break
            rss = next((int(line.split()[1]) for line in status.splitlines()
                        if line.startswith("VmRSS:")), 0)
            samples.append((max(progress(target_cluster, target_db), 0), rss))
            time.sleep(0.1)
        res = job.result()
        assert res.code == 0, res
        streaming = [(rows, rss) for rows, rss in samples if 0 < rows < MEMORY_ROWS]
        assert len(streaming) >= 10, samples
        first = [rss for rows, rss in streaming if rows < MEMORY_ROWS // 10]
        last = [rss for rows, rss in streaming if rows > MEMORY_ROWS * 9 // 10]
        peak = max(rss for _, rss in samples)
        print(f"RSS over {MEMORY_ROWS} rows: peak {peak} kB, first tenth max "
              f"{max(first or [0])} kB, last tenth max {max(last or [0])} kB, "
              f"{len(samples)} samples")
        assert peak < 200 * 1024, f"peak RSS {peak} kB"
        if first and last:
            assert max(last) - max(first) < 32 * 1024, "RSS grows with the rows streamed"
    finally:
        source_cluster.drop_db(src)


def test_unparsable_cursor_restarts_the_table(tmp_path, source_cluster, target_cluster,
                                              failed_run):
    """streaming.md §6.1: a cursor the key's type cannot read back (e.g. the
    original engine's b'…' form) truncates the table and loads it again."""
    src, tgt, env, config = failed_run
    with connect(target_cluster, tgt) as conn:
        conn.execute("UPDATE _privaci.table_checkpoints SET last_pk_value = 'b''\\x01'''"
                     " WHERE table_name = 'chk'")
    with connect(source_cluster, src) as conn:
        conn.execute("UPDATE public.chk SET v = 100 WHERE v <= 10")
    res = run_to_end(tmp_path, "resume", config, env)
    assert res.code == 0, res
    assert ("Warning: the checkpoint cursor of public.chk cannot be read back; the table is "
            "truncated and loaded again.") in res.stderr, res
    assert (fingerprint(target_cluster, tgt, "public.chk", "id")
            == fingerprint(source_cluster, src, "public.chk", "id"))

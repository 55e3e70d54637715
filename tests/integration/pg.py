"""Private PostgreSQL clusters for the integration tests.

Each cluster lives in a temporary directory, listens on a Unix socket only
(``listen_addresses = ''``; the port number only names the socket file) and
runs with durability switched off, because nothing in it needs to survive the
test session.

PostgreSQL refuses to run as root, so when the tests run as root the
clusters are created and started as the ``postgres`` OS user (``runuser``,
falling back to ``su``) and the temporary directory is handed to that user.

Nothing here skips: a missing ``initdb`` or a cluster that does not start is
an error with the server's own output attached.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

PG_MAJOR = "15"

# Settings for a throw-away cluster: no TCP, no durability, little memory.
FAST_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "'16MB'",
    "max_connections": "40",
    "max_wal_size": "'256MB'",
    "checkpoint_timeout": "'30min'",
    "logging_collector": "off",
    "log_min_messages": "warning",
    "timezone": "'UTC'",
    "datestyle": "'iso, mdy'",
    "lc_messages": "'C'",
}


class ClusterError(RuntimeError):
    """Raised when a cluster cannot be created or started."""


def find_bindir() -> Path:
    """Directory holding initdb/pg_ctl/postgres of PostgreSQL 15.

    Order: $PG_BINDIR, the Debian layout /usr/lib/postgresql/15/bin, any other
    /usr/lib/postgresql/*/bin (newest first), then initdb on PATH.
    """
    candidates = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]))
    candidates.append(Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin"))
    others = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    candidates.extend(Path(p) for p in others)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).parent)
    for c in candidates:
        if (c / "initdb").is_file() and (c / "pg_ctl").is_file():
            return c
    raise ClusterError(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found: looked in "
        + ", ".join(str(c) for c in candidates)
        + ". Install them with `make deps` (Debian package postgresql-15) "
        "or point PG_BINDIR at the directory holding initdb."
    )


def _server_user() -> str | None:
    """The OS user the server must run as: 'postgres' for root, else None (us)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as exc:
        raise ClusterError(
            "Running as root, but there is no 'postgres' OS user to run the "
            "PostgreSQL clusters as (PostgreSQL refuses to run as root). "
            "Install postgresql-15 (`make deps`), which creates it."
        ) from exc
    return "postgres"


def _as_user(user: str | None, argv: list[str]) -> list[str]:
    if user is None:
        return argv
    runuser = shutil.which("runuser") or (
        "/usr/sbin/runuser" if os.path.exists("/usr/sbin/runuser") else None
    )
    if runuser:
        return [runuser, "-u", user, "--", *argv]
    return ["su", user, "-s", "/bin/sh", "-c", shlex.join(argv)]


def _chown_tree(path: Path, user: str | None) -> None:
    if user is None:
        return
    pw = pwd.getpwnam(user)
    os.chown(path, pw.pw_uid, pw.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)


class Cluster:
    """One private PostgreSQL cluster reachable only through a Unix socket."""

    def __init__(self, name: str, basedir: Path, socket_dir: Path, port: int,
                 bindir: Path, user: str | None):
        self.name = name
        self.basedir = basedir
        self.datadir = basedir / "data"
        self.logfile = basedir / "server.log"
        self.socket_dir = socket_dir
        self.port = port
        self.bindir = bindir
        self.os_user = user
        self.user = "postgres"  # database superuser created by initdb -U
        self.started = False

    # -- lifecycle ---------------------------------------------------------

    def _run(self, argv: list[str], what: str, timeout: float = 120) -> str:
        cmd = _as_user(self.os_user, argv)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        try:
            proc = subprocess.run(cmd, cwd=self.basedir, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=timeout)
        except FileNotFoundError as exc:
            raise ClusterError(f"{what} for the {self.name} cluster: {exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise ClusterError(
                f"{what} for the {self.name} cluster timed out after {timeout}s.\n"
                f"{self._log_tail()}") from exc
        if proc.returncode != 0:
            raise ClusterError(
                f"{what} for the {self.name} cluster failed (exit {proc.returncode}): "
                f"{shlex.join(cmd)}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}\n"
                f"{self._log_tail()}")
        return proc.stdout

    def _log_tail(self) -> str:
        try:
            lines = self.logfile.read_text(errors="replace").splitlines()
        except OSError:
            return "(no server log)"
        return "server log (last 30 lines):\n" + "\n".join(lines[-30:])

    def init(self) -> None:
        self.basedir.mkdir(parents=True)
        _chown_tree(self.basedir, self.os_user)
        self._run([str(self.bindir / "initdb"), "-D", str(self.datadir), "-U", self.user,
                   "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
                   "--no-instructions"], "initdb")
        settings = dict(FAST_SETTINGS)
        settings["port"] = str(self.port)
        settings["unix_socket_directories"] = "'" + str(self.socket_dir) + "'"
        conf = "".join(f"{k} = {v}\n" for k, v in settings.items())
        # Appending keeps the file's owner (postgres when we are root).
        with open(self.datadir / "postgresql.conf", "a", encoding="utf-8") as fh:
            fh.write("\n# privaci integration tests\n" + conf)

    def start(self) -> None:
        self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-l",
                   str(self.logfile), "-w", "-t", "60", "start"], "pg_ctl start")
        self.started = True
        # Belt and braces: pg_ctl -w already waited for "ready".
        deadline = time.monotonic() + 30
        while True:
            try:
                with self.connect("postgres") as conn:
                    conn.execute("SELECT 1")
                break
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise ClusterError(
                        f"The {self.name} cluster started but does not accept connections "
                        f"on {self.socket_dir} port {self.port}: {exc}\n{self._log_tail()}"
                    ) from exc
                time.sleep(0.2)

    def stop(self) -> None:
        """Stops the server at once; safe to call more than once."""
        if not self.started:
            return
        self.started = False
        try:
            self._run([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m",
                       "immediate", "-w", "-t", "30", "stop"], "pg_ctl stop", timeout=60)
        except ClusterError:
            pass  # already gone; the directory is removed anyway

    # -- addressing --------------------------------------------------------

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq key=value connection string."""
        return f"host={self.socket_dir} port={self.port} user={self.user} dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        """postgresql:// URI; the socket directory goes in the query string."""
        return (f"postgresql://{self.user}@/{dbname}"
                f"?host={self.socket_dir}&port={self.port}")

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.dsn(dbname), autocommit=True)

    # -- databases ---------------------------------------------------------

    def create_db(self, name: str) -> str:
        with self.connect("postgres") as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_db(self, name: str) -> None:
        with self.connect("postgres") as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))

    def __repr__(self) -> str:
        return f"<Cluster {self.name} {self.socket_dir}:{self.port}>"


class ClusterPair:
    """Source and target clusters sharing one temporary directory."""

    def __init__(self, ports: tuple[int, int] = (54615, 54616)):
        self.bindir = find_bindir()
        self.os_user = _server_user()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="privaci-it-"))
        self.socket_dir = self.tmpdir / "sock"
        self.socket_dir.mkdir()
        os.chmod(self.tmpdir, 0o700)
        _chown_tree(self.tmpdir, self.os_user)
        self.source = Cluster("source", self.tmpdir / "source", self.socket_dir, ports[0],
                              self.bindir, self.os_user)
        self.target = Cluster("target", self.tmpdir / "target", self.socket_dir, ports[1],
                              self.bindir, self.os_user)

    def start(self) -> None:
        for cluster in (self.source, self.target):
            cluster.init()
        for cluster in (self.source, self.target):
            cluster.start()

    def close(self) -> None:
        """Stops both servers and removes the directory; idempotent."""
        for cluster in (self.source, self.target):
            cluster.stop()
        if self.tmpdir.exists():
            shutil.rmtree(self.tmpdir, ignore_errors=True)

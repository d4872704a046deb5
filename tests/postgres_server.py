"""A throwaway PostgreSQL server for the tests: initdb and pg_ctl in a temporary folder,
listening on 127.0.0.1 and a free port, stopped at the end of the session.

initdb refuses to run as root; as root, the server runs as the `postgres` user that
Debian's package creates. If it cannot start, the tests that need it fail with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None
    )
    if found is None:
        raise RuntimeError(
            f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql)"
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server() -> Iterator[str]:
    """A running server's admin URL (user `moderation`, database `postgres`)."""
    # Its own folder in /tmp: pytest's are private to the user running the tests.
    folder = Path(tempfile.mkdtemp(prefix="moderation-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres")
    data, log, port = folder / "data", folder / "server.log", _free_port()

    def run(*command: str) -> None:
        done = subprocess.run([*as_user, *command], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            logged = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr}{done.stdout}{logged}")

    run(_bin("initdb"), "-D", str(data), "-U", "moderation", "--auth=trust", "-E", "UTF8",
        "--locale=C.UTF-8")  # fmt: skip
    run(_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
        f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start")  # fmt: skip
    try:
        yield f"postgresql+psycopg://moderation@127.0.0.1:{port}/postgres"
    finally:
        run(_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def database(admin_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards."""
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

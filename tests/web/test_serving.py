"""Production serving: the readiness probe before and after `db upgrade` and `deploy`, and `ecopetition serve`
as real gunicorn nodes on one PostgreSQL database: N workers and exactly one scheduler process per node, a
scheduler that dies is started again, each due timer fires once across the nodes, and SIGTERM stops it all.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest
import requests
import sqlalchemy as sa
from flask import request

from engine.bundles import read_bundle
from engine.clock import ManualClock
from engine.definitions import Definitions
from engine.models import AuditEvent, Instance, Timer
from engine.runtime import Runtime
from engine.store import Database
from webui import create_app, services_of
from webui.serving import NodeApplication, NodeShared, _read_pokes
from workflows.migrate import head_revision, upgrade
from workflows.settings import PROJECT_ROOT, SettingsError, load_settings

ECOPETITION = Path(sys.executable).with_name("ecopetition")
WAIT_TIMER = PROJECT_ROOT / "tests" / "fixtures" / "wait_timer"
DUE_TIMERS = 150


def app_on(url: str, tmp_path: Path):
    return create_app(overrides={"database.url": url, "scheduler.enabled": False, "security.secret_key": "test",
                                 "uploads.dir": str(tmp_path / "uploads")})


def test_readiness_is_false_until_the_schema_is_migrated_and_the_process_deployed(database_url, tmp_path):
    app = app_on(database_url, tmp_path)
    client = app.test_client()

    fresh = client.get("/readyz")
    assert fresh.status_code == 503
    body = fresh.get_json()
    assert body["ready"] is False and body["checks"]["database"] is True
    assert body["checks"]["schema"] == {"ok": False, "revision": None, "head": head_revision()}
    assert body["checks"]["process"] == {"ok": False, "version": None}
    assert client.get("/healthz").status_code == 200  # alive all the same

    upgrade(database_url)
    migrated = client.get("/readyz")
    assert migrated.status_code == 503
    checks = migrated.get_json()["checks"]
    assert checks["schema"]["ok"] is True and checks["schema"]["revision"] == head_revision()
    assert checks["process"] == {"ok": False, "version": None}

    services = app.extensions["ecopetition"]
    services.definitions.deploy(read_bundle(WAIT_TIMER), "designer")  # not the petition process
    assert client.get("/readyz").status_code == 503
    version, _ = services.definitions.deploy(read_bundle(PROJECT_ROOT / "bpmn"), "designer")
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["ready"] is True
    assert ready.get_json()["checks"]["process"] == {"ok": True, "version": version.id}
    # Neither `serve` nor `run` started this app: the probes say it has no scheduler.
    assert ready.get_json()["node"]["scheduler"]["runs_in"] == "none"


def test_a_node_whose_database_is_away_is_alive_but_not_ready(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = app_on(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing", tmp_path)
    client = app.test_client()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["database"] is False
    assert answer.get_json()["checks"]["schema"]["ok"] is False
    assert "nothing" not in answer.get_data(as_text=True)  # no connection details on a public probe
    assert client.get("/healthz").get_json()["status"] == "ok"


@pytest.mark.parametrize(("hops", "client"), [(0, "10.0.0.2"), (1, "203.0.113.9")])
def test_behind_a_proxy_the_client_address_and_scheme_come_from_its_headers(tmp_path, hops, client):
    app = create_app(overrides={"database.url": f"sqlite:///{tmp_path / 'x.db'}", "security.secret_key": "test",
                                "uploads.dir": str(tmp_path), "server.proxy_hops": hops})
    app.add_url_rule("/test-client", "test_client", lambda: f"{request.remote_addr} {request.scheme}")
    # The balancer (10.0.0.2) appends the address it saw; what the client wrote before it is not believed.
    answer = app.test_client().get("/test-client", environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers={
        "X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"})
    assert answer.get_data(as_text=True) == f"{client} {'https' if hops else 'http'}"


def test_proxy_hops_is_a_small_count():
    with pytest.raises(SettingsError, match="server.proxy_hops"):
        load_settings(environ={"ECOPETITION_SERVER_PROXY_HOPS": "9"})


def test_a_poke_written_by_a_worker_reaches_the_node_scheduler():
    shared = NodeShared()

    class Recorder:  # stands in for NodeScheduler.poke only; no database is involved
        def __init__(self) -> None:
            self.pokes: list[datetime] = []

        def poke(self, due: datetime) -> None:
            self.pokes.append(due)

    recorder, stop = Recorder(), threading.Event()
    reader = threading.Thread(target=_read_pokes, args=(os.dup(shared.poke_read), recorder, stop), daemon=True)
    reader.start()
    due = datetime(2026, 3, 2, 1, 0, 30, tzinfo=UTC)
    shared.poke(due)
    shared.poke(due + timedelta(seconds=5))
    deadline = time.monotonic() + 5
    while len(recorder.pokes) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert recorder.pokes == [due, due + timedelta(seconds=5)]
    shared.close()  # every write end closed: the reader sees the end and stops the scheduler process
    reader.join(timeout=5)
    assert stop.is_set()


def test_a_step_in_a_worker_that_arms_a_timer_pokes_the_node_scheduler(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'node.db'}"
    upgrade(url)
    for key, value in {"DATABASE_URL": url, "SECURITY_SECRET_KEY": "test", "UPLOADS_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(f"ECOPETITION_{key}", value)
    node = NodeApplication({"bind": "127.0.0.1:0", "workers": 1}, scheduler_command=["unused"])
    try:
        app = node.load()  # what each worker does after the fork
        services = services_of(app)
        services.definitions.deploy(read_bundle(WAIT_TIMER), "designer")
        due = (services.clock.now() + timedelta(seconds=30)).replace(microsecond=0)
        services.runtime.start("wait_timer", {"due": due.isoformat(), "parts": 1}, "designer")
        os.set_blocking(node.shared.poke_read, False)
        written = os.read(node.shared.poke_read, 4096).decode().splitlines()
        assert [datetime.fromisoformat(line) for line in written] == [due]
        services.close()
    finally:
        node.shared.close()


# -- real nodes ------------------------------------------------------------------------------------------
def prepare_database(url: str) -> None:
    """As a release does it: `db upgrade`, `deploy`; plus instances whose timers fell due an hour ago."""
    upgrade(url)
    db = Database(url)
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=2))
    definitions = Definitions(db, clock)
    definitions.deploy(read_bundle(PROJECT_ROOT / "bpmn"), "designer")
    definitions.deploy(read_bundle(WAIT_TIMER), "designer")
    runtime = Runtime(db, definitions, clock)
    due = (clock.now() + timedelta(hours=1)).isoformat()
    with db.unit_of_work() as tx:
        for _ in range(DUE_TIMERS):
            runtime.start("wait_timer", {"due": due, "parts": 1}, "loader", session=tx)
    db.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Node:
    """`ecopetition serve` in its own session, with its output kept in a file."""

    def __init__(self, url: str, workers: int, folder: Path) -> None:
        self.port = free_port()
        self.workers = workers
        self.log = folder / f"node-{self.port}.log"
        env = {**os.environ, "ECOPETITION_DATABASE_URL": url, "ECOPETITION_SECURITY_SECRET_KEY": "shared-secret",
               "ECOPETITION_UPLOADS_DIR": str(folder / "uploads"), "ECOPETITION_SCHEDULER_SWEEP_SECONDS": "1"}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen([str(ECOPETITION), "serve", "--workers", str(workers), "--bind",
                                             f"127.0.0.1:{self.port}"], env=env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.master = psutil.Process(self.process.pid)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the node exited:\n{self.output()}"
            try:
                answer = requests.get(self.url("/readyz"), timeout=5)
                if answer.status_code == 200:
                    return answer.json()
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        pytest.fail(f"the node was not ready within {timeout} s:\n{self.output()}")

    def children(self) -> tuple[list[psutil.Process], list[psutil.Process]]:
        """The master's workers and its scheduler processes."""
        workers, schedulers = [], []
        for child in self.master.children():
            try:
                command = child.cmdline()
            except psutil.NoSuchProcess:
                continue
            (schedulers if "scheduler" in command else workers).append(child)
        return workers, schedulers

    def settle(self, timeout: float = 30) -> tuple[list[psutil.Process], list[psutil.Process]]:
        """Wait until the master runs all its workers and a scheduler (a restart takes a second or two)."""
        deadline = time.monotonic() + timeout
        while True:
            workers, schedulers = self.children()
            if len(workers) == self.workers and schedulers or time.monotonic() > deadline:
                return workers, schedulers
            time.sleep(0.2)

    def schedulers_reported(self, calls: int = 12) -> set:
        """What the workers say about the node's scheduler, asked often enough to reach every worker."""
        seen = set()
        for _ in range(calls):
            scheduler = requests.get(self.url("/healthz"), timeout=5).json()["node"]["scheduler"]
            seen.add((scheduler["runs_in"], scheduler["pid"], scheduler["running"], scheduler["restarts"]))
        return seen

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def nodes(tmp_path):
    started: list[Node] = []

    def start(url: str, workers: int) -> Node:
        started.append(Node(url, workers, tmp_path))
        return started[-1]
    yield start
    for node in started:
        node.stop()


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_serve_runs_its_workers_and_one_scheduler_per_node_and_each_timer_fires_once(database_url, nodes):
    prepare_database(database_url)
    first, second = nodes(database_url, workers=2), nodes(database_url, workers=3)
    for node in (first, second):
        node.wait_ready()
    for node in (first, second):
        workers, schedulers = node.settle()
        assert len(workers) == node.workers, node.output()
        assert len(schedulers) == 1, node.output()
        # Every worker names the same scheduler process, which is running.
        assert node.schedulers_reported() == {("process", schedulers[0].pid, True, 0)}
        assert len({w.pid for w in workers}) == node.workers

    # Both nodes' schedulers sweep the same timers; each timer fires once.
    db = Database(database_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with db.reader() as session:
            if not session.scalar(sa.select(sa.func.count()).select_from(Timer).where(Timer.status == "pending")):
                break
        time.sleep(0.5)
    with db.reader() as session:
        assert dict(session.execute(sa.select(Timer.status, sa.func.count()).group_by(Timer.status)).all()) == \
            {"fired": DUE_TIMERS}
        fired_events = session.execute(sa.select(AuditEvent.instance_id, sa.func.count())
                                       .where(AuditEvent.command == "timer").group_by(AuditEvent.instance_id)).all()
        assert len(fired_events) == DUE_TIMERS and {count for _, count in fired_events} == {1}
        assert session.scalar(sa.select(sa.func.count()).select_from(Instance)
                              .where(Instance.status == "completed")) == DUE_TIMERS
    db.dispose()

    # A scheduler that dies is started again by its master: still one per node.
    _, [scheduler] = first.children()
    scheduler.kill()
    scheduler.wait(timeout=10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        _, schedulers = first.children()
        if schedulers and schedulers[0].pid != scheduler.pid:
            break
        time.sleep(0.2)
    _, schedulers = first.children()
    assert len(schedulers) == 1 and schedulers[0].pid != scheduler.pid, first.output()
    assert first.schedulers_reported() == {("process", schedulers[0].pid, True, 1)}
    assert f"timer scheduler (pid: {scheduler.pid}) exited" in first.output() and "starting it again" in first.output()
    deadline = time.monotonic() + 60  # its start-up (imports, app) done: it stops gracefully, not by default
    while f"timer scheduler running (pid: {schedulers[0].pid})" not in first.output() and time.monotonic() < deadline:
        time.sleep(0.2)

    # SIGTERM stops the node: master, workers and scheduler.
    family = [first.master, *first.master.children()]
    first.process.send_signal(signal.SIGTERM)
    assert first.process.wait(timeout=60) == 0, first.output()
    _gone, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, f"still running after SIGTERM: {alive}"
    assert f"timer scheduler stopped (pid: {schedulers[0].pid})" in first.output()
    # The other node is unaffected.
    assert requests.get(second.url("/readyz"), timeout=5).status_code == 200

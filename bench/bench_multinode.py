"""Part 8, several nodes: three nodes on one PostgreSQL database on this machine, driven through HTTP, one of
them killed with SIGKILL in the middle and started again; and a backlog of timers fired by one node.

Each node is `ecopetition serve --workers 2` (gunicorn, and one scheduler process per node), all on the same
database with one secret key. Operators (a registrar, a handler and a leader of each county bureau) sign in
through the login form and work the cases of their bureau as a person does: the queue page, claim, the task
page, post the form with its CSRF token. A load balancer in front of the nodes is played by the operators'
client: it sends each request to the next node whose /readyz said 200 at the last probe (every 0.5 s), and a
request whose connection fails is sent to another node. Meanwhile timers of small waiting processes fall
due, spread over the run, for the nodes' schedulers to fire.

At the end, from the database: every completion a client saw acknowledged (the form's redirect) is in the
audit trail (0 lost), no task of a case was completed twice (0 doubled), every timer due by then fired and
fired once (one `timer` event per waiting instance). Reported: completions and requests per second, latency
p50/p95 of all requests and of the form posts, how long the killed node took to come back.

Second part: 10,000 timers that fell due at once (quick mode: fewer, projected), then one node (1 worker)
started; the time from its scheduler's first fire to its last is the figure beside the target (< 30 s).

    .venv/bin/python -m bench.bench_multinode        (BENCH_QUICK=1 for a smoke run)
"""
from __future__ import annotations

import itertools
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
import sqlalchemy as sa

from bench.common import (
    POSTGRES,
    ROOT,
    PartResult,
    build_services,
    check,
    drop_postgres,
    fresh_postgres,
    ms,
    percentile,
    postgres_reachable,
    quick_mode,
    render,
)
from bench.lifecycle import WORKER_BUREAUS, registration
from engine.bundles import read_bundle
from engine.clock import ManualClock
from engine.definitions import Definitions
from engine.models import AuditEvent, Instance, Timer
from engine.runtime import Runtime
from engine.store import Database
from workflows.accounts import Actor, create_user, seed_organisations
from workflows.intake.registration import register_case
from workflows.models import Case
from workflows.rules.timezone import SHANGHAI

ECOPETITION = Path(sys.executable).with_name("ecopetition")
WAIT_TIMER = ROOT / "tests" / "fixtures" / "wait_timer"
PASSWORD = "bench-password-1"
SECRET_KEY = "bench-multinode-shared-secret"
NODES, WORKERS = 3, 2
TARGET_BACKLOG, TARGET_BACKLOG_SECONDS = 10_000, 30.0
BACKLOG_BATCH = 50  # scheduler.batch_size as config.yaml ships it
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LOCK_VERSION = re.compile(r'name="lock_version" value="(\d+)"')
CASE_ID = re.compile(r'name="case_id" value="(\d+)"')
TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})"')
CLAIM = re.compile(r'formaction="/tasks/([0-9a-f-]{36})/claim"')


@dataclass(frozen=True)
class Plan:
    bureaus: int             # county bureaus; three operators each
    cases_per_bureau: int
    seconds: float           # how long the operators work
    kill_at: float           # seconds into the run when one node is killed
    down_for: float          # seconds before it is started again
    timers: int              # waiting instances whose timers fall due during the run
    backlog: int             # timers due at once for the one-node part
    sweep_seconds: float = 5.0


PLANS = {"full": Plan(bureaus=4, cases_per_bureau=80, seconds=90, kill_at=30, down_for=10, timers=400,
                      backlog=10_000),
         "quick": Plan(bureaus=2, cases_per_bureau=8, seconds=20, kill_at=7, down_for=3, timers=60, backlog=600)}

# The form each kind of task gets, told apart by a field only its form has.
FORMS = {
    "acceptance_decision": ("decide_acceptance", {"acceptance_decision": "accept",
                                                  "content_category": "pollution_complaint", "track": "normal"}),
    "findings": ("investigate", {"next_step": "draft_reply", "findings": "现场检查属实：油烟未经净化直排。",
                                 "site_inspected": "true", "violation_found": "true"}),
    "reply_opinion": ("draft_reply", {"reply_opinion": "support", "reply_text": "已责令限期安装油烟净化设施。"}),
    "approval_decision": ("approve_reply", {"approval_decision": "approve"}),
    "delivery_method": ("deliver_reply", {"delivery_method": "post"}),
}


# -- nodes -----------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Node:
    """One node: `ecopetition serve` in a session of its own, so that SIGKILL takes its whole process group
    (master, workers and scheduler) as a machine failing would."""

    def __init__(self, name: str, url: str, workers: int, folder: Path, sweep_seconds: float) -> None:
        self.name = name
        self.port = free_port()
        self.workers = workers
        self.log = folder / f"{name}.log"
        self.env = {**os.environ, "ECOPETITION_DATABASE_URL": url, "ECOPETITION_SECURITY_SECRET_KEY": SECRET_KEY,
                    "ECOPETITION_UPLOADS_DIR": str(folder / "uploads"),
                    "ECOPETITION_SCHEDULER_SWEEP_SECONDS": str(sweep_seconds)}
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(ECOPETITION), "serve", "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
        self.started_at = time.monotonic()

    def ready(self) -> bool:
        try:
            return requests.get(self.base + "/readyz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds from start until /readyz answers 200."""
        while time.monotonic() - self.started_at < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"node {self.name} exited:\n{self.log.read_text(errors='replace')[-3000:]}")
            if self.ready():
                return time.monotonic() - self.started_at
            time.sleep(0.2)
        raise RuntimeError(f"node {self.name} not ready within {timeout} s")

    def wait_scheduler(self, timeout: float = 120) -> None:
        """Until the node's scheduler process has started up (its log says so)."""
        deadline = time.monotonic() + timeout
        while "timer scheduler running" not in self.log.read_text(errors="replace"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"node {self.name}: no scheduler running after {timeout} s")
            time.sleep(0.2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process is not None:
            try:  # anything of its group still left (it should not be)
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Balancer:
    """The load balancer: round-robin over the nodes whose readiness probe passed last time."""

    def __init__(self, nodes: list[Node]) -> None:
        self.nodes = nodes
        self.up = {node.name: False for node in nodes}
        self._turn = itertools.count()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._probe, daemon=True)

    def start(self) -> None:
        for node in self.nodes:
            self.up[node.name] = node.ready()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _probe(self) -> None:
        while not self._stop.wait(0.5):
            for node in self.nodes:
                self.up[node.name] = node.ready()

    def pick(self, avoid: Node | None = None) -> Node:
        live = [n for n in self.nodes if self.up[n.name] and n is not avoid] or \
               [n for n in self.nodes if n is not avoid] or self.nodes
        return live[next(self._turn) % len(live)]


# -- operators -------------------------------------------------------------------------------------------
@dataclass
class Tally:
    """What the clients saw; shared by the operator threads (appends are atomic under the GIL)."""

    latencies: list[float] = field(default_factory=list)      # every request that got an answer
    post_latencies: list[float] = field(default_factory=list)  # the completing form posts
    acknowledged: list[tuple[int, str]] = field(default_factory=list)   # (case id, task kind)
    unknown: list[tuple[int, str]] = field(default_factory=list)        # the post's connection failed
    connection_errors: int = 0
    refusals: Counter = field(default_factory=Counter)          # answers other than the expected
    claims: int = 0


class Operator:
    """A person at a browser: a session cookie that every node accepts (one secret key), CSRF tokens."""

    def __init__(self, username: str, balancer: Balancer, tally: Tally) -> None:
        self.username = username
        self.balancer = balancer
        self.tally = tally
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Send to a live node; when the connection fails (a node killed), try another, as a balancer does."""
        avoid = None
        for _ in range(20):
            node = self.balancer.pick(avoid)
            began = time.perf_counter()
            try:
                response = self.session.request(method, node.base + path, allow_redirects=False, timeout=60,
                                                **kwargs)
            except requests.ConnectionError:
                # Pages, sign-in and claims are safe to send again; a completing post is not (see complete).
                self.tally.connection_errors += 1
                avoid = node
                time.sleep(0.2)
                continue
            self.tally.latencies.append(time.perf_counter() - began)
            return response
        raise RuntimeError(f"{self.username}: no node answered {method} {path}")

    def token(self, html: str) -> str:
        found = CSRF.search(html)
        if not found:
            raise RuntimeError(f"{self.username}: no CSRF token on the page")
        return found.group(1)

    def sign_in(self) -> None:
        page = self.request("GET", "/login").text
        answer = self.request("POST", "/login", data={"username": self.username, "password": PASSWORD,
                                                      "csrf_token": self.token(page)})
        if answer.status_code != 302:
            raise RuntimeError(f"{self.username} could not sign in: {answer.status_code}")

    def work(self, until: float) -> None:
        try:
            self._work(until)
        except Exception as exc:  # noqa: BLE001 - an operator that gives up is counted, the run goes on
            self.tally.refusals[f"operator stopped: {exc.__class__.__name__}: {str(exc)[:80]}"] += 1

    def _work(self, until: float) -> None:
        self.sign_in()
        while time.monotonic() < until:
            mine = self.request("GET", "/queue?tab=mine").text
            task = TASK_LINK.search(mine)
            if task is None:
                unclaimed = self.request("GET", "/queue?tab=unclaimed").text
                claim = CLAIM.search(unclaimed)
                if claim is None:
                    time.sleep(0.3)  # nothing for me yet: a colleague's step comes first
                    continue
                answer = self.request("POST", f"/tasks/{claim.group(1)}/claim",
                                      data={"csrf_token": self.token(unclaimed), "next": "/queue"})
                if answer.status_code == 302:
                    self.tally.claims += 1
                else:
                    self.tally.refusals[f"claim {answer.status_code}"] += 1
                continue
            self.complete(task.group(1))

    def complete(self, task_id: str) -> None:
        page = self.request("GET", f"/tasks/{task_id}")
        if page.status_code != 200:
            self.tally.refusals[f"task page {page.status_code}"] += 1
            return
        html = page.text
        kind = next(((spec, data) for key, (spec, data) in FORMS.items() if f'name="{key}"' in html), None)
        if kind is None:
            raise RuntimeError(f"{self.username}: task {task_id} has a form the bench does not know")
        spec, data = kind
        case_id = int(CASE_ID.search(html).group(1))
        form = {**data, "csrf_token": self.token(html), "lock_version": LOCK_VERSION.search(html).group(1),
                "case_id": str(case_id)}
        if spec == "draft_reply":
            form["drafted_by"] = self.username
        if spec == "deliver_reply":
            form["delivered_at"] = datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
        node = self.balancer.pick()
        began = time.perf_counter()
        try:
            answer = self.session.post(node.base + f"/tasks/{task_id}", data=form, allow_redirects=False,
                                       timeout=60)
        except requests.ConnectionError:
            # The node died with the post in flight: it may or may not have committed. Not retried blindly;
            # the next look at the queue shows whether the task is still there.
            self.tally.connection_errors += 1
            self.tally.unknown.append((case_id, spec))
            return
        elapsed = time.perf_counter() - began
        self.tally.latencies.append(elapsed)
        if answer.status_code == 302:
            self.tally.post_latencies.append(elapsed)
            self.tally.acknowledged.append((case_id, spec))
        else:
            self.tally.refusals[f"complete {answer.status_code}"] += 1


# -- the database before and after -----------------------------------------------------------------------
def seed(url: str, plan: Plan) -> tuple[list[str], int]:
    """Organisations, operators, cases waiting for acceptance, and waiting instances whose timers fall due
    over the run. Returns the operators' user names and the number of cases."""
    now = datetime.now(UTC)
    services = build_services(url, ManualClock(now), secret_key=SECRET_KEY)
    services.definitions.deploy(read_bundle(WAIT_TIMER), "bench")
    users = []
    bureaus = WORKER_BUREAUS[:plan.bureaus]
    with services.db.unit_of_work() as tx:
        seed_organisations(tx)
        for bureau in bureaus:
            for role in ("registrar", "handler", "leader"):
                name = f"{role[:3]}-{bureau}"
                create_user(tx, services.clock, name, name, PASSWORD, bureau, [role])
                users.append(name)
    received = now.astimezone(SHANGHAI).isoformat()
    for bureau in bureaus:
        registrar = Actor(f"reg-{bureau}", bureau, frozenset({"registrar"}))
        for _ in range(plan.cases_per_bureau):
            register_case(services, registrar, {**registration(bureau), "received_at": received})
    services.close()
    return users, plan.cases_per_bureau * len(bureaus)


def arm_timers(url: str, count: int, first_due: datetime, spread: float) -> None:
    """`count` waiting instances, their timers due evenly from `first_due` over `spread` seconds."""
    db = Database(url)
    clock = ManualClock(first_due - timedelta(hours=1))  # started before they fall due, so they wait
    runtime = Runtime(db, Definitions(db, clock), clock)
    for first in range(0, count, 500):
        with db.unit_of_work() as tx:
            for i in range(first, min(first + 500, count)):
                due = first_due + timedelta(seconds=spread * i / max(count - 1, 1))
                runtime.start("wait_timer", {"due": due.isoformat(), "parts": 1}, "bench", session=tx)
    db.dispose()


def audit(url: str, tally: Tally, timers_due_by: datetime) -> dict:
    """Lost and doubled completions and timers, from the audit trail and the timer rows."""
    db = Database(url)
    with db.reader() as session:
        completed: Counter = Counter()
        for case_id, data in session.execute(
                sa.select(Case.id, AuditEvent.data).join(AuditEvent, AuditEvent.instance_id == Case.instance_id)
                .where(AuditEvent.command == "complete")):
            completed[(case_id, json.loads(data)["task"])] += 1
        timer_rows = session.execute(
            sa.select(Timer.status, Timer.due_at, Timer.fired_at, Timer.instance_id)
            .join(Instance, Instance.id == Timer.instance_id).where(Instance.process_id == "wait_timer")).all()
        timer_events = Counter(instance_id for (instance_id,) in session.execute(
            sa.select(AuditEvent.instance_id).join(Instance, Instance.id == AuditEvent.instance_id)
            .where(Instance.process_id == "wait_timer", AuditEvent.command == "timer")))
    db.dispose()
    acknowledged = set(tally.acknowledged)
    due = [row for row in timer_rows if row.due_at <= timers_due_by]
    lateness = [(row.fired_at - row.due_at).total_seconds() for row in timer_rows if row.status == "fired"]
    return {
        "completions_in_audit": sum(completed.values()),
        "completions_acknowledged": len(tally.acknowledged),
        "completions_acknowledged_twice": len(tally.acknowledged) - len(acknowledged),
        "completions_lost": len([key for key in acknowledged if completed[key] == 0]),
        "completions_doubled": sum(count - 1 for count in completed.values() if count > 1),
        "completions_unknown_to_client": len(tally.unknown),
        "completions_unknown_committed": len([key for key in set(tally.unknown) if completed[key] >= 1]),
        "timers": len(timer_rows),
        "timers_due": len(due),
        "timers_lost": len([row for row in due if row.status != "fired"]),
        "timers_doubled": sum(count - 1 for count in timer_events.values() if count > 1),
        "timer_events": sum(timer_events.values()),
        "timer_lateness_p50_s": statistics.median(lateness) if lateness else None,
        "timer_lateness_p95_s": percentile(lateness, 0.95) if lateness else None,
        "timer_lateness_max_s": max(lateness) if lateness else None,
    }


# -- the run ---------------------------------------------------------------------------------------------
def measure_nodes(plan: Plan, folder: Path) -> dict:
    url = fresh_postgres("multinode")
    began = time.monotonic()
    users, cases = seed(url, plan)
    seeded = time.monotonic() - began
    nodes = [Node(f"node{i + 1}", url, WORKERS, folder, plan.sweep_seconds) for i in range(NODES)]
    figures: dict = {"nodes": NODES, "workers_per_node": WORKERS, "operators": len(users), "cases": cases,
                     "seed_seconds": seeded}
    try:
        for node in nodes:
            node.start()
        figures["start_seconds"] = max(node.wait_ready() for node in nodes)
        for node in nodes:
            node.wait_scheduler()
        # Timers fall due from a few seconds into the run until shortly before its end, across the kill.
        first_due = datetime.now(UTC) + timedelta(seconds=3)
        arm_timers(url, plan.timers, first_due, plan.seconds - 8)
        balancer = Balancer(nodes)
        balancer.start()
        tally = Tally()
        operators = [Operator(user, balancer, tally) for user in users]
        until = time.monotonic() + plan.seconds
        run_began = time.monotonic()
        threads = [threading.Thread(target=op.work, args=(until,), name=op.username) for op in operators]
        for thread in threads:
            thread.start()
        victim = nodes[1]
        time.sleep(plan.kill_at)
        victim.kill()
        killed_at = time.monotonic()
        time.sleep(plan.down_for)
        victim.start()
        figures["restart_ready_seconds"] = victim.wait_ready()
        figures["killed_for_seconds"] = time.monotonic() - killed_at
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - run_began
        balancer.stop()
        # Give the schedulers one sweep interval (and a little) to fire what fell due at the very end.
        due_by = datetime.now(UTC)
        time.sleep(plan.sweep_seconds + 3)
        figures.update(audit(url, tally, due_by))
        figures.update({
            "seconds": elapsed,
            "completions_per_second": len(tally.acknowledged) / elapsed,
            "requests_per_second": len(tally.latencies) / elapsed,
            "requests": len(tally.latencies),
            "request_p50_ms": statistics.median(tally.latencies) * 1000 if tally.latencies else None,
            "request_p95_ms": percentile(tally.latencies, 0.95) * 1000 if tally.latencies else None,
            "complete_p50_ms": statistics.median(tally.post_latencies) * 1000 if tally.post_latencies else None,
            "complete_p95_ms": percentile(tally.post_latencies, 0.95) * 1000 if tally.post_latencies else None,
            "claims": tally.claims,
            "connection_errors": tally.connection_errors,
            "refusals": dict(tally.refusals),
        })
    finally:
        for node in nodes:
            node.stop()
        drop_postgres("multinode")
    return figures


def measure_backlog(plan: Plan, folder: Path) -> dict:
    """`plan.backlog` timers due an hour ago; one node (one worker) started; how long its scheduler fires."""
    url = fresh_postgres("backlog")
    build_services(url, ManualClock(datetime.now(UTC))).close()  # the petition bundle: the node is ready
    db = Database(url)
    Definitions(db, ManualClock(datetime.now(UTC))).deploy(read_bundle(WAIT_TIMER), "bench")
    db.dispose()
    began = time.monotonic()
    arm_timers(url, plan.backlog, datetime.now(UTC) - timedelta(hours=1), 0)
    figures: dict = {"backlog": plan.backlog, "setup_seconds": time.monotonic() - began}
    node = Node("backlog", url, 1, folder, sweep_seconds=30)
    node.env["ECOPETITION_SCHEDULER_BATCH_SIZE"] = str(BACKLOG_BATCH)
    db = Database(url)
    try:
        node.start()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with db.reader() as session:
                pending = session.scalar(sa.select(sa.func.count()).select_from(Timer)
                                         .where(Timer.status == "pending"))
            if not pending:
                break
            time.sleep(0.5)
        figures["with_start_seconds"] = time.monotonic() - node.started_at
        with db.reader() as session:
            first, last, fired = session.execute(sa.select(sa.func.min(Timer.fired_at), sa.func.max(Timer.fired_at),
                                                           sa.func.count()).where(Timer.status == "fired")).one()
            doubled = session.scalar(sa.select(sa.func.count()).select_from(
                sa.select(AuditEvent.instance_id).where(AuditEvent.command == "timer")
                .group_by(AuditEvent.instance_id).having(sa.func.count() > 1).subquery()))
        figures.update(fired=fired, doubled=doubled,
                       sweeping_seconds=(last - first).total_seconds() if first and last else None)
    finally:
        node.stop()
        db.dispose()
        drop_postgres("backlog")
    seconds = figures["sweeping_seconds"]
    figures["projected_seconds"] = None if seconds is None else seconds * TARGET_BACKLOG / plan.backlog
    return figures


def run(plan: Plan, directory: Path, with_postgres: bool) -> PartResult:
    part = PartResult(f"8 several nodes: {NODES} x `ecopetition serve --workers {WORKERS}`, one PostgreSQL")
    began = time.monotonic()
    if not with_postgres:
        part.row("skipped: needs PostgreSQL")
        return part
    nodes = measure_nodes(plan, directory)
    backlog = measure_backlog(plan, directory)
    part.data = {"plan": plan.__dict__, "nodes": nodes, "backlog": backlog}
    pg = {}

    def row(label: str, value: str, target: str = "") -> None:
        pg[label] = value
        part.row(label, target, postgres=value)

    row(f"{nodes['operators']} operators over HTTP, {nodes['seconds']:.0f} s: completions/s (requests/s)",
        f"{nodes['completions_per_second']:.2f} ({nodes['requests_per_second']:.1f})")
    row("  request p50 / p95 (ms)", f"{ms(nodes['request_p50_ms'])} / {ms(nodes['request_p95_ms'])}")
    row("  completing form post p50 / p95 (ms)", f"{ms(nodes['complete_p50_ms'])} / {ms(nodes['complete_p95_ms'])}")
    row("  node SIGKILLed and restarted: down (ready again after start) s",
        f"{nodes['killed_for_seconds']:.1f} ({nodes['restart_ready_seconds']:.1f})")
    lost_doubled = (nodes["completions_lost"], nodes["completions_doubled"])
    row(f"  completions lost / doubled (of {nodes['completions_acknowledged']} acknowledged)",
        f"{lost_doubled[0]} / {lost_doubled[1]}" + check(lost_doubled == (0, 0)), "0 / 0")
    timers = (nodes["timers_lost"], nodes["timers_doubled"])
    row(f"  timers lost / doubled (of {nodes['timers_due']} due)", f"{timers[0]} / {timers[1]}"
        + check(timers == (0, 0)), "0 / 0")
    row("  timer lateness p50 / p95 / max (s), across the kill",
        "-" if nodes["timer_lateness_p95_s"] is None else f"{nodes['timer_lateness_p50_s']:.2f} / "
        f"{nodes['timer_lateness_p95_s']:.2f} / {nodes['timer_lateness_max_s']:.2f}")
    row(f"fire {backlog['backlog']:,} due at once, 1 node: sweeping (with start-up) s",
        "-" if backlog["sweeping_seconds"] is None else
        f"{backlog['sweeping_seconds']:.1f} ({backlog['with_start_seconds']:.1f})")
    projected = backlog["projected_seconds"]
    if backlog["backlog"] != TARGET_BACKLOG:
        row(f"  projected to {TARGET_BACKLOG:,}", "-" if projected is None else f"{projected:.0f}"
            + check(projected < TARGET_BACKLOG_SECONDS), f"< {TARGET_BACKLOG_SECONDS:.0f} s")
    else:
        part.rows[-1].target = f"< {TARGET_BACKLOG_SECONDS:.0f} s"
        part.rows[-1].cells[POSTGRES] += check(projected is not None and projected < TARGET_BACKLOG_SECONDS)
    if projected is not None and projected >= TARGET_BACKLOG_SECONDS:
        per_timer = backlog["sweeping_seconds"] / backlog["backlog"] * 1000
        part.notes.append(f"backlog target missed: {per_timer:.1f} ms per fired timer, each an engine step of its "
                          f"own (load the state, run the timer, save state, queue and timer rows, audit event; part "
                          f"1 profiles it) in batches of {BACKLOG_BATCH}; on 2 cores shared with PostgreSQL more "
                          f"sweeping processes do not add CPU (see the timers part's 3 nodes)")
    if backlog["fired"] != backlog["backlog"] or backlog["doubled"]:
        part.notes.append(f"backlog: {backlog['fired']} of {backlog['backlog']} fired, {backlog['doubled']} twice")
    if nodes["completions_unknown_to_client"]:
        part.notes.append(f"{nodes['completions_unknown_to_client']} form posts lost their connection with the "
                          f"killed node; {nodes['completions_unknown_committed']} of them had committed")
    if nodes["refusals"]:
        part.notes.append("answers other than expected: " + ", ".join(f"{k}: {v}" for k, v in
                                                                     sorted(nodes["refusals"].items())))
    if nodes["completions_acknowledged_twice"]:
        part.notes.append(f"{nodes['completions_acknowledged_twice']} completions were acknowledged twice")
    part.seconds = time.monotonic() - began
    return part


def main() -> int:
    if not postgres_reachable():
        print("PostgreSQL is not reachable; this part needs it", file=sys.stderr)
        return 1
    plan = PLANS["quick" if quick_mode() else "full"]
    with tempfile.TemporaryDirectory() as tmp:
        part = run(plan, Path(tmp), True)
    print(render([part], f"several nodes ({'quick' if quick_mode() else 'full'})"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

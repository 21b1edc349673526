"""Part 6, memory: the peak RSS of a web process serving the operator queue on a loaded database.

Run as its own process (bench_queue starts it after loading the largest size), so the figure is that of a
fresh web process: `create_app` on the bench database, a handler of the busy bureau signs in through the
login form, and the unclaimed queue page is requested again and again through Flask's test client. If the
web queue cannot be served, the process runs `queue_page` itself and says so.

    .venv/bin/python -m bench.bench_memory DATABASE_URL REQUESTS
"""
from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import psutil

from bench.common import T0, build_services, summary
from engine.clock import ManualClock

USERNAME, PASSWORD = "han-bench", "bench-password"
QUEUE_URL = "/queue?tab=unclaimed"


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def peak_rss_mb() -> float:
    """The high-water mark of this process image (VmHWM). Not ru_maxrss: on Linux that keeps the RSS of the
    parent the process was forked from before exec, here the benchmark that loaded the database."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve_through_flask(services, requests: int) -> tuple[list[float], str]:
    from webui import create_app

    app = create_app(services=services)
    app.config.update(WTF_CSRF_ENABLED=False, TESTING=False)
    client = app.test_client()
    signed_in = client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    if signed_in.status_code != 302:
        raise RuntimeError(f"sign-in answered {signed_in.status_code}")
    samples = []
    for index in range(requests + 3):
        began = time.perf_counter()
        response = client.get(QUEUE_URL)
        spent = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"GET {QUEUE_URL} answered {response.status_code}")
        if index >= 3:
            samples.append(spent)
    return samples, f"GET {QUEUE_URL} through create_app and Flask's test client"


def serve_directly(services, requests: int) -> tuple[list[float], str]:
    from bench.bulk_load import HOT_BUREAU
    from workflows.accounts import Actor
    from workflows.handling.queues import queue_page

    actor = Actor(USERNAME, HOT_BUREAU, frozenset({"handler"}))
    samples = []
    for _ in range(requests):
        began = time.perf_counter()
        with services.db.reader() as session:
            queue_page(session, actor, "unclaimed", services.clock.now(), calendar=services.deadlines.calendar)
        samples.append(time.perf_counter() - began)
    return samples, "queue_page called in the process (the web queue could not be served)"


def main(argv: list[str]) -> int:
    url, requests = argv[0], int(argv[1])
    started = rss_mb()
    services = build_services(url, ManualClock(T0), deploy=False, secret_key="bench")
    problem = None
    try:
        samples, how = serve_through_flask(services, requests)
    except Exception as exc:  # noqa: BLE001 - any failure of the web path is reported, then measured directly
        problem = f"{type(exc).__name__}: {exc}"
        samples, how = serve_directly(services, requests)
    print(json.dumps({"how": how, "web_problem": problem, "requests": len(samples),
                      "latency": summary(samples), "rss_start_mb": started, "rss_end_mb": rss_mb(),
                      "peak_rss_mb": peak_rss_mb()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

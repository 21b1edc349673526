"""The `ecopetition` command line: each command parses its options and calls one function below."""
from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from engine.bundles import read_bundle
from engine.errors import InvalidBundle
from engine.verify import verify_all


def _services():
    return current_app.extensions["ecopetition"]


@click.group("db", help="Database schema migrations (Alembic).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Apply migrations up to REVISION (default: the newest).")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    from workflows.migrate import upgrade
    from workflows.protection import keyring_for
    upgrade(_services().settings.database_url, revision, keyring_for(_services().db.engine))
    click.echo(f"database at {revision}")


@db_group.command("downgrade", help="Revert migrations down to REVISION (e.g. base).")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    from workflows.migrate import downgrade
    from workflows.protection import keyring_for
    downgrade(_services().settings.database_url, revision, keyring_for(_services().db.engine))


@db_group.command("current", help="Show the database's migration revision.")
@with_appcontext
def db_current() -> None:
    from workflows.migrate import current
    current(_services().settings.database_url)


@db_group.command("revision", help="Write a new migration from the difference between models and database.")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str) -> None:
    from workflows.migrate import revision
    revision(_services().settings.database_url, message)


@click.command("deploy", help="Validate and deploy the process bundle (BPMN, DMN, forms) as a new version.")
@click.argument("folder", required=False)
@click.option("--actor", default="designer", show_default=True, help="Who deploys (recorded).")
@click.option("--comment", default="", help="What changed.")
@with_appcontext
def deploy_command(folder: str | None, actor: str, comment: str) -> None:
    services = _services()
    folder = folder or str(services.settings.path(services.settings.bpmn.bundle_dir))
    files = read_bundle(folder)
    if not any(name.endswith(".bpmn") for name in files):
        click.echo(f"{folder}: no .bpmn file yet; nothing deployed")
        return
    try:
        version, created = services.definitions.deploy(files, actor, comment)
    except InvalidBundle as exc:
        _echo_problems(exc, exc.problems)
        sys.exit(1)
    state = "deployed as new" if created else "unchanged; still"
    click.echo(f"{folder}: {state} version {version.id} ({version.content_hash[:12]}), "
               f"processes: {', '.join(json.loads(version.process_ids))}")
    if created:
        _echo_problems(None, services.definitions.compiled(version.id).warnings)


def _echo_problems(error, problems) -> None:
    """The bundle's problems in English on stderr, each by file, line and element; warnings say so."""
    from flask_babel import force_locale

    from webui.i18n.errors import error_message
    with force_locale("en"):
        if error is not None:
            click.echo(error_message(error), err=True)
        for problem in problems:
            where = problem.file + (f":{problem.line}" if problem.line else "") + \
                (f" (element {problem.element})" if problem.element else "")
            kind = "warning: " if problem.severity == "warning" else ""
            click.echo(f"  {where}: {kind}{error_message(problem)}", err=True)


@click.command("verify", help="Replay cases' events against their process version and check the hash chain.")
@click.argument("cases", nargs=-1)
@click.option("--all", "check_all", is_flag=True, help="Verify every case.")
@with_appcontext
def verify_command(cases: tuple[str, ...], check_all: bool) -> None:
    services = _services()
    if not cases and not check_all:
        raise click.UsageError("name one or more cases (instance id or case number) or give --all")
    ids = None if check_all else [_instance_id(services, c) for c in cases]
    verdicts = verify_all(services.runtime, ids)
    failed = [v for v in verdicts if not v.ok]
    for verdict in failed:
        click.echo(str(verdict))
    click.echo(f"checked {len(verdicts)} cases: {len(verdicts) - len(failed)} ok, {len(failed)} failed")
    sys.exit(1 if failed else 0)


def _instance_id(services, name: str) -> int:
    import sqlalchemy as sa

    from engine.models import Instance
    if name.isdigit():
        return int(name)
    with services.db.reader() as session:
        found = session.scalar(sa.select(Instance.id).where(Instance.business_key == name))
    if found is None:
        raise click.BadParameter(f"no case with number {name!r}", param_hint="CASES")
    return found


@click.group("deadlines", help="Statutory deadlines.")
def deadlines_group() -> None:
    pass


@deadlines_group.command("preview", help="Print every clock of a case received at --received.")
@click.option("--received", required=True, help="ISO time with offset, e.g. 2026-09-29T10:00+08:00")
@click.option("--track", type=click.Choice(["normal", "simple"]), default="normal", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@with_appcontext
def deadlines_preview(received: str, track: str, as_json: bool, lang: str) -> None:
    from webui.deadlines_table import format_preview_table
    from workflows.rules.deadlines_preview import preview
    try:
        when = datetime.fromisoformat(received)
    except ValueError as exc:
        raise click.BadParameter(f"{received!r} is not an ISO 8601 time: {exc}", param_hint="--received")
    if when.tzinfo is None:
        raise click.BadParameter("give a timezone offset, e.g. 2026-09-29T10:00+08:00", param_hint="--received")
    result = preview(_services().deadlines, when, track)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_preview_table(result, locale="en" if lang == "en" else "zh_CN"))


@click.command("run", help="Serve the web app with the timer scheduler running.")
@click.option("--host", default=None)
@click.option("--port", default=None, type=int)
@with_appcontext
def run_command(host: str | None, port: int | None) -> None:
    services = _services()
    server = services.settings.server
    from webui.node import start_scheduler
    scheduler = start_scheduler(services)
    current_app.extensions["node_scheduler"] = scheduler
    # Load the word segmenter while the server starts, not on the first registration (2-4 s).
    import threading

    from workflows.rules.similarity import segmenter
    threading.Thread(target=segmenter, name="jieba-warm-up", daemon=True).start()
    click.echo(f"serving http://{host or server.host}:{port or server.port}/ (Ctrl-C stops)")
    try:
        # Flask refuses app.run() inside its own CLI; serve with Werkzeug directly.
        from werkzeug.serving import run_simple
        run_simple(host or server.host, port or server.port, current_app._get_current_object(),
                   threaded=True, use_reloader=False)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@click.command("scheduler", help="Run a node that only fires timers (no web server).")
@click.option("--poke-fd", type=int, default=None, hidden=True, help="Pipe of pokes from `serve`'s workers.")
@click.option("--parent-pid", type=int, default=None, hidden=True, help="Stop when this process is gone.")
@with_appcontext
def scheduler_command(poke_fd: int | None, parent_pid: int | None) -> None:
    from webui.serving import run_scheduler
    services = _services()
    if parent_pid is None:
        click.echo(f"timer node: sweeping every {services.settings.scheduler.sweep_seconds} s; Ctrl-C stops")
    sys.exit(run_scheduler(services, poke_fd=poke_fd, parent_pid=parent_pid))


@click.command("serve", help="Serve the web app with gunicorn: several worker processes and one timer "
                             "scheduler process for the node (production).")
@click.option("--bind", default=None, help="host:port to listen on (default: server.host and server.port).")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes (default: the number of CPU cores, at least 2).")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker (more than 1 uses gunicorn's gthread worker).")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(5, 3600),
              help="Seconds a request may take before its worker is killed and replaced.")
@click.option("--access-log", is_flag=True, help="Log every request on stderr.")
@with_appcontext
def serve_command(bind: str | None, workers: int | None, threads: int, timeout: int, access_log: bool) -> None:
    import os

    from webui.serving import serve
    settings = _services().settings
    bind = bind or f"{settings.server.host}:{settings.server.port}"
    workers = workers or max(2, os.cpu_count() or 1)
    scheduler = settings.scheduler.enabled
    click.echo(f"serving http://{bind}/ with {workers} workers; timer scheduler: "
               + ("one process for this node" if scheduler else "off (scheduler.enabled is false)"))
    serve(bind, workers, threads, timeout, scheduler, access_log)


@click.command("demo", help="Seed demo bureaus, an account for every role and cases in every stage of the "
                            "lifecycle, worked over the last four months.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already holds cases.")
@click.option("--cases", default=200, show_default=True, type=click.IntRange(1, 5000), help="How many cases.")
@click.option("--seed", default=7, show_default=True, type=int, help="The same seed makes the same cases.")
@with_appcontext
def demo_command(if_empty: bool, cases: int, seed: int) -> None:
    from workflows.demo.seed import format_report, run_demo
    report = run_demo(_services().settings, cases=cases, seed=seed, if_empty=if_empty, echo=click.echo)
    if report is not None:
        click.echo(format_report(report))


def register_commands(app: Flask) -> None:
    from webui.migration_cli import cases_group
    from webui.security_cli import security_group
    from webui.users_cli import users_group
    for command in (db_group, deploy_command, verify_command, deadlines_group, run_command, scheduler_command,
                    serve_command, demo_command, cases_group, security_group, users_group):
        app.cli.add_command(command)

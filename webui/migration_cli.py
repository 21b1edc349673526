"""`ecopetition cases migrate`: move running cases from one process version to another, or with --dry-run say
per case whether they would move and why not. Each case moves in its own engine step and transaction."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from engine.errors import EngineError, InvalidData
from engine.migration import Outcome, candidates, make_plan, parse_where, run_migration
from workflows.cases import PROCESS_ID


@click.group("cases", help="Running cases in bulk.")
def cases_group() -> None:
    pass


@cases_group.command("migrate", help="Move running cases from process version --from to --to.")
@click.option("--from", "from_version", type=int, required=True, help="The version the cases run on now.")
@click.option("--to", "to_version", type=int, required=True, help="The version to move them to.")
@click.option("--where", "where", multiple=True,
              help="Only some cases: business_key=PATTERN (* and ?), instance=ID,ID or waiting=ELEMENT.")
@click.option("--map", "mappings", multiple=True, help="OLD=NEW: an element renamed or replaced in the new version.")
@click.option("--keep-due", is_flag=True, help="Keep every due time, even where the timer's expression changed.")
@click.option("--dry-run", is_flag=True, help="Only say which cases would move and why the others would not.")
@click.option("--process", "process_id", default=PROCESS_ID, show_default=True, help="The process of the cases.")
@click.option("--batch", "batch_size", type=int, default=100, show_default=True, help="Cases per progress line.")
@click.option("--actor", default="operator", show_default=True, help="Who migrates (recorded in each case).")
@with_appcontext
def migrate_command(from_version: int, to_version: int, where: tuple[str, ...], mappings: tuple[str, ...],
                    keep_due: bool, dry_run: bool, process_id: str, batch_size: int, actor: str) -> None:
    services = current_app.extensions["ecopetition"]
    try:
        plan = make_plan(services.definitions, from_version, to_version, process_id, _mappings(mappings), keep_due)
        ids = candidates(services.db, plan, parse_where(where))
    except EngineError as exc:
        _echo_error(exc)
        sys.exit(2)
    click.echo(f"plan: version {from_version} -> {to_version}, process {process_id}; "
               f"mapped: {_listed(f'{k}={v}' for k, v in sorted(plan.mappings.items()))}; "
               f"removed: {_listed(plan.removed)}; added: {_listed(plan.added)}; "
               f"due times: {'kept' if keep_due else 'recomputed where the timer changed'}")
    click.echo(f"{len(ids)} running cases on version {from_version}" + (" (dry run)" if dry_run else ""))
    moved = refused = 0
    for start in range(0, len(ids), max(batch_size, 1)):
        report = run_migration(services.runtime, plan, ids[start:start + batch_size], actor, dry_run=dry_run,
                               progress=_echo_outcome)
        moved, refused = moved + report.moved, refused + report.refused
        if not dry_run and len(ids) > batch_size:
            click.echo(f"... {start + len(report.outcomes)} of {len(ids)} done")
    verb = "would move" if dry_run else "moved"
    click.echo(f"{verb}: {moved}, refused: {refused}")
    sys.exit(1 if refused else 0)


def _mappings(pairs: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"{pair!r}: give OLD=NEW", param_hint="--map")
        found[old.strip()] = new.strip()
    return found


def _listed(items) -> str:
    items = list(items)
    return ", ".join(items) if items else "none"


def _echo_outcome(outcome: Outcome) -> None:
    from flask_babel import force_locale

    from webui.i18n.errors import error_message
    name = f"{outcome.business_key or '-'} (instance {outcome.instance_id})"
    if outcome.ok:
        click.echo(f"{name}: ok")
        return
    with force_locale("en"):
        reasons = "; ".join(f"{error_message(r)} [{r.code}]" for r in outcome.refusals)
    click.echo(f"{name}: refused: {reasons}")


def _echo_error(error: EngineError) -> None:
    from flask_babel import force_locale

    from webui.i18n.errors import error_message
    with force_locale("en"):
        click.echo(error_message(error), err=True)
        if isinstance(error, InvalidData):
            for path, field_error in error.errors.items():
                click.echo(f"  --map {path}: {error_message(field_error)}", err=True)

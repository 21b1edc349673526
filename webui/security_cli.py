"""`ecopetition security`: make a new data key entry, and seal every case again with the newest key after a
rotation (README, "Data protection")."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from workflows.datakeys import ResealReport, keys_in_use, reseal_cases
from workflows.protection import new_key_entry


@click.group("security", help="Data keys that seal petitioners' personal data.")
def security_group() -> None:
    pass


@security_group.command("new-data-key", help="Print a new random data key entry ID:KEY to put first in the ring.")
@click.option("--id", "key_id", required=True, help="The new key's id, letters and digits (e.g. k2).")
def new_data_key(key_id: str) -> None:
    if not key_id.isalnum():
        raise click.BadParameter("letters and digits only", param_hint="--id")
    click.echo(new_key_entry(key_id))


@security_group.command("reseal", help="Seal every case, and wrap every case's own key, again with the newest "
                                      "data key of the ring.")
@click.option("--batch", type=int, default=500, show_default=True, help="Cases per transaction.")
@with_appcontext
def reseal(batch: int) -> None:
    services = current_app.extensions["ecopetition"]

    def progress(report: ResealReport) -> None:
        click.echo(f"{report.cases} cases looked at, {report.resealed} sealed again; {report.case_keys} case keys "
                   f"looked at, {report.rewrapped} wrapped again")

    report = reseal_cases(services.db, batch, progress)
    click.echo(f"done: {report.cases} cases, {report.resealed} sealed again; {report.case_keys} case keys, "
               f"{report.rewrapped} wrapped again; rows per key now: "
               + (", ".join(f"{k}={n}" for k, n in sorted(report.keys_in_use.items())) or "none"))


@security_group.command("keys-in-use", help="How many rows (cases, cases' own keys) are sealed with each data key.")
@with_appcontext
def keys_in_use_command() -> None:
    counts = keys_in_use(current_app.extensions["ecopetition"].db)
    click.echo(", ".join(f"{k}={n}" for k, n in sorted(counts.items())) or "no sealed values")

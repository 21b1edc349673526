"""`ecopetition cases migrate` on cases waiting at every stage: the dry run names the refused cases with the
reason, the run moves the others, and running it again finds nothing left on the old version."""
from __future__ import annotations

import pytest

from tests.lifecycle.test_migration import STAGED
from webui import create_app


@pytest.fixture
def staged_cli(backend, database_copy, tmp_path):
    made = database_copy(STAGED, backend)
    app = create_app(overrides={"database.url": made.url, "scheduler.enabled": False,
                                "security.secret_key_file": str(tmp_path / "secret")})
    return app.test_cli_runner(), made.info


def test_dry_run_names_refusals_then_the_run_moves_the_rest(staged_cli):
    cli, info = staged_cli
    versions = ["--from", str(info.version_a), "--to", str(info.version_b)]
    dry = cli.invoke(args=["cases", "migrate", *versions, "--dry-run"])
    assert dry.exit_code == 1, dry.output
    assert "6 running cases on version 1 (dry run)" in dry.output
    assert ("XH-2026-0001 (instance 1): refused: Task Acceptance decision waits at element "
            "decide_acceptance, which version 2 does not have; map it to an element of that version. "
            "[migration.element_missing]") in dry.output
    assert "would move: 5, refused: 1" in dry.output

    mapped = [*versions, "--map", "decide_acceptance=accept_or_refuse"]
    only = cli.invoke(args=["cases", "migrate", *mapped, "--where", "waiting=decide_acceptance", "--dry-run"])
    assert only.exit_code == 0 and "1 running cases" in only.output and "would move: 1, refused: 0" in only.output

    done = cli.invoke(args=["cases", "migrate", *mapped, "--batch", "4"])
    assert done.exit_code == 0, done.output
    assert "moved: 6, refused: 0" in done.output and "... 4 of 6 done" in done.output
    again = cli.invoke(args=["cases", "migrate", *mapped])
    assert "0 running cases on version 1" in again.output and again.exit_code == 0
    verified = cli.invoke(args=["verify", "--all"])
    assert verified.exit_code == 0 and "6 ok, 0 failed" in verified.output, verified.output


def test_a_mapping_to_nothing_is_refused_before_any_case_moves(staged_cli):
    cli, info = staged_cli
    result = cli.invoke(args=["cases", "migrate", "--from", str(info.version_a), "--to", str(info.version_b),
                              "--map", "decide_acceptance=nowhere"])
    assert result.exit_code == 2
    assert "--map decide_acceptance: Element nowhere is not in version 2." in result.output

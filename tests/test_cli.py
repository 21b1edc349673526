"""The `ecopetition` command line against a real database: migrate, deploy, verify, preview deadlines."""
from __future__ import annotations

import json

from tests.conftest import FIXTURES
from webui.i18n import compile_catalogs


def test_deploy_stores_a_version_once_and_verify_checks_the_cases(cli):
    # wait_timer calls no function: the expense fixture's add_days is not one the petition domain registers.
    first = cli.invoke(args=["deploy", str(FIXTURES / "wait_timer")])
    assert first.exit_code == 0 and "deployed as new version 1" in first.output, first.output
    again = cli.invoke(args=["deploy", str(FIXTURES / "wait_timer")])
    assert "unchanged; still version 1" in again.output
    verified = cli.invoke(args=["verify", "--all"])
    assert verified.exit_code == 0 and "checked 0 cases: 0 ok, 0 failed" in verified.output


def test_deploying_an_invalid_bundle_fails_naming_the_place(cli, tmp_path):
    (tmp_path / "forms").mkdir()
    bpmn = (FIXTURES / "expense" / "expense.bpmn").read_text(encoding="utf-8")
    (tmp_path / "expense.bpmn").write_text(bpmn.replace('"P3D"', "P3D"), encoding="utf-8")
    for form in ("submit.json", "approve.json"):
        (tmp_path / "forms" / form).write_text((FIXTURES / "expense" / "forms" / form).read_text())
    result = cli.invoke(args=["deploy", str(tmp_path)])
    assert result.exit_code == 1
    assert "expense.bpmn:51 (element remind): The timer expression P3D must be quoted, e.g. \"P3D\"." \
        in result.output


def test_deploy_reports_a_loop_that_cannot_end_as_a_warning_and_deploys(cli, tmp_path):
    bpmn = (FIXTURES / "wait_timer" / "wait_timer.bpmn").read_text(encoding="utf-8")
    (tmp_path / "wait_timer.bpmn").write_text(bpmn.replace("share = 100 / parts", "while True: pass"),
                                              encoding="utf-8")
    result = cli.invoke(args=["deploy", str(tmp_path)])
    assert result.exit_code == 0 and "deployed as new version 1" in result.output, result.output
    assert "wait_timer.bpmn:15 (element share): warning: This loop can never end" in result.output


def test_verify_needs_cases_or_all(cli):
    result = cli.invoke(args=["verify"])
    assert result.exit_code == 2 and "--all" in result.output


def test_deadlines_preview_answers_for_a_case_received_before_national_day(cli):
    result = cli.invoke(args=["deadlines", "preview", "--received", "2026-09-29T10:00+08:00", "--track", "simple",
                              "--json"])
    assert result.exit_code == 0, result.output
    clocks = {c["key"]: c["due"] for c in json.loads(result.output)["clocks"]}
    # 3 working days after 29 Sep: 30 Sep, (1-7 Oct holiday), 8 Oct, 9 Oct.
    assert clocks["simple_acceptance"] == "2026-10-09T23:59:59+08:00"


def test_deadlines_preview_prints_its_table_from_the_catalogs_in_either_language(cli):
    compile_catalogs()  # what `make install` builds; a bare pytest run may not have yet
    args = ["deadlines", "preview", "--received", "2026-09-29T10:00+08:00", "--track", "simple"]
    chinese = cli.invoke(args=args)
    assert chinese.exit_code == 0, chinese.output
    assert chinese.output.split()[:5] == ["时限", "规则", "起算", "截止", "提醒"]
    assert "时间均为 Asia/Shanghai 时间" in chinese.output and "个工作日" in chinese.output
    english = cli.invoke(args=[*args, "--lang", "en"])
    assert english.output.split()[:5] == ["Clock", "Rule", "Starts", "Due", "Reminder"]
    assert "working days after accepted" in english.output and "All times in Asia/Shanghai" in english.output


def test_deadlines_preview_refuses_a_time_without_offset(cli):
    result = cli.invoke(args=["deadlines", "preview", "--received", "2026-09-29T10:00"])
    assert result.exit_code == 2 and "timezone offset" in result.output


def test_the_run_command_serves_the_app(tmp_path):
    """`make run` ends in `ecopetition run`: it must start serving on the configured host and port."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = dict(os.environ, ECOPETITION_DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
               ECOPETITION_SERVER_PORT=str(port), ECOPETITION_SECURITY_SECRET_KEY_FILE=str(tmp_path / "secret"),
               ECOPETITION_SECURITY_DATA_KEY_FILE=str(tmp_path / "data_key"),
               ECOPETITION_UPLOADS_DIR=str(tmp_path / "uploads"), ECOPETITION_SCHEDULER_ENABLED="false")
    command = str(Path(sys.executable).with_name("ecopetition"))
    node = subprocess.Popen([command, "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        answer = None
        for _ in range(150):
            if node.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    answer = response.status
                break
            except OSError:
                time.sleep(0.1)
        assert answer == 200, node.stdout.read() if node.poll() is not None else "no answer on the port"
    finally:
        node.terminate()
        node.wait(timeout=10)

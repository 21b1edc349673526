"""`ecopetition security`: a new data key entry, and a rotation finished from the command line (reseal, then
keys-in-use shows only the new key). On both databases."""
from __future__ import annotations

from tests.domain.conftest import TEST_DATA_KEY, services_on
from tests.domain.test_repeats import form
from webui import create_app
from workflows.intake.registration import register_case
from workflows.protection import parse_keys


def test_new_data_key_prints_an_entry_the_ring_accepts(services):
    runner = create_app(services=services).test_cli_runner()
    printed = runner.invoke(args=["security", "new-data-key", "--id", "k2"])
    assert printed.exit_code == 0, printed.output
    ring = parse_keys(printed.output.strip() + "," + TEST_DATA_KEY, "output")
    assert [k.key_id for k in ring.keys] == ["k2", "test"]
    refused = runner.invoke(args=["security", "new-data-key", "--id", "k-2"])
    assert refused.exit_code == 2 and "letters and digits only" in refused.output


def test_a_rotation_is_finished_from_the_command_line(services, make_actor, clock, tmp_path):
    registrar = make_actor("reg-wang", "registrar")
    register_case(services, registrar, form())
    new_key = create_app(services=services).test_cli_runner().invoke(
        args=["security", "new-data-key", "--id", "k2"]).output.strip()
    ring = f"{new_key},{TEST_DATA_KEY}"
    with services_on(services.settings.database_url, clock, tmp_path, {"security.data_key": ring}) as rotated:
        runner = create_app(services=rotated).test_cli_runner()
        # The case row and the case's own key are sealed with the old key.
        assert runner.invoke(args=["security", "keys-in-use"]).output.strip() == "test=2"
        resealed = runner.invoke(args=["security", "reseal"])
        assert resealed.exit_code == 0, resealed.output
        assert ("done: 1 cases, 1 sealed again; 1 case keys, 1 wrapped again; rows per key now: k2=2"
                in resealed.output)
        assert runner.invoke(args=["security", "keys-in-use"]).output.strip() == "k2=2"

"""The `ecopetition` console script: Flask's CLI group around our application factory."""
from __future__ import annotations

from flask.cli import FlaskGroup, routes_command, shell_command


def _create_app():
    from webui import create_app
    return create_app()


class EcopetitionGroup(FlaskGroup):
    def __init__(self, **kwargs) -> None:
        # Our own `run` starts the scheduler too, so Flask's default commands are added selectively.
        super().__init__(create_app=_create_app, add_default_commands=False, add_version_option=False,
                         load_dotenv=False, **kwargs)
        self.add_command(shell_command)
        self.add_command(routes_command)


def main() -> None:
    EcopetitionGroup(help="ecopetition: environmental petition case processing.").main(prog_name="ecopetition")


if __name__ == "__main__":  # `python -m webui.cli`: how `serve` starts the node's scheduler process
    main()

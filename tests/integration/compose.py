"""docker-compose.yml as data, so CI runs the same web, worker and beat commands the containers run."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from tests.integration.processes import REPO

COMPOSE_FILE = REPO / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def service(name: str) -> dict[str, Any]:
    return compose()["services"][name]


def command(name: str) -> list[str]:
    """A service's command as an argv list (the compose file writes them in exec form)."""
    value = service(name)["command"]
    assert isinstance(value, list), f"{name}: write the command in exec form (a list) so tests can run it"
    return [str(part) for part in value]


def with_option(argv: list[str], option: str, value: str) -> list[str]:
    """`argv` with `option`'s value replaced (`--opt value` or `--opt=value`), or appended if absent."""
    result = list(argv)
    for index, part in enumerate(result):
        if part == option and index + 1 < len(result):
            result[index + 1] = value
            return result
        if part.startswith(f"{option}="):
            result[index] = f"{option}={value}"
            return result
    return [*result, option, value]

"""edge/README.md keeps up with the code: every route of the local API is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.web import create_app

README = (Path(__file__).resolve().parents[2] / "edge" / "README.md").read_text()


def routes(config) -> list[str]:
    app = create_app(config)
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = rule.rule.replace("<int:", "<").replace("<path:", "<")
        found += [f"{method} {path}" for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def test_every_route_is_in_the_readme(config):
    assert [route for route in routes(config) if f"`{route}" not in README] == []


@pytest.mark.parametrize("error", ["invalid_payload", "not_found", "conflict", "refused"])
def test_every_error_code_is_in_the_readme(error):
    assert f"`{error}`" in README

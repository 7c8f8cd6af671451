"""`make bench`'s cold start runs the sync function as the template deploys it: its first request is
the Partner Central Get, both floors create the same clients and send the same Get, and the X-Ray SDK
loads only when the template turns tracing on."""

import json
from pathlib import Path

import pytest

from benchmarks.cold_start import (
    FIRST_REQUEST,
    FLOOR,
    FUNCTION,
    PYDANTIC_FLOOR,
    deployed_sync_function,
    first_request,
)
from infra.lambda_asset import build_lambda_asset, host_platform
from local.samples import invitation_event, opportunity_invitation, sqs_event
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]

INVITATION = opportunity_invitation(7)


@pytest.fixture(scope="module")
def asset() -> Path:
    return build_lambda_asset(host_platform())


@pytest.fixture
def event(tmp_path: Path) -> Path:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(sqs_event(invitation_event(INVITATION))))
    return path


@pytest.mark.parametrize(("stack", "traced"), [("default_stack", False), ("configured_stack", True)])
def test_the_deployed_function_first_sends_the_get_and_loads_xray_only_when_traced(
    request: pytest.FixtureRequest, stack: str, traced: bool, asset: Path, event: Path
) -> None:
    synthesized: Synthesized = request.getfixturevalue(stack)
    function = deployed_sync_function(synthesized.raw, asset)
    assert function.tracing is traced
    assert function.environment["POWERTOOLS_TRACE_DISABLED"] == str(not traced).lower()
    seen = first_request(FUNCTION, function.environment, asset, event)
    assert (seen.request, seen.xray_sdk) == (FIRST_REQUEST, traced)
    assert seen.clients == ["partnercentral-selling", "dynamodb", "sns", "sqs"]
    # Only the sync function's own code is loaded: not the reconciler's, nor the reminders'.
    assert "invitation_sync.wiring.sync" in seen.project_modules
    other_functions = {"reconcile", "reminders", "wiring.reconcile", "wiring.reminders", "adapters.reminder_store"}
    assert not {f"invitation_sync.{name}" for name in other_functions} & set(seen.project_modules)
    for script in (FLOOR, PYDANTIC_FLOOR):
        floor = first_request(
            script, function.environment, asset, event, ",".join(seen.clients), INVITATION["Catalog"], INVITATION["Id"]
        )
        assert (floor.request, floor.clients, floor.xray_sdk) == (FIRST_REQUEST, seen.clients, False)
        assert 0 < floor.cpu_seconds <= floor.seconds


def test_the_deployed_function_skips_pydantics_plugin_scan(
    default_stack: Synthesized, asset: Path, event: Path
) -> None:
    """pydantic reads every installed distribution's entry points at its first model build, looking for
    plugins; the template's environment turns that off, and without it the scan happens."""
    function = deployed_sync_function(default_stack.raw, asset)
    assert not first_request(FUNCTION, function.environment, asset, event).pydantic_plugin_scan
    without = {name: value for name, value in function.environment.items() if name != "PYDANTIC_DISABLE_PLUGINS"}
    assert first_request(FUNCTION, without, asset, event).pydantic_plugin_scan

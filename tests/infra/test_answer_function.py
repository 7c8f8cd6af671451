"""The answer function on the synthesized template: the only role with Partner Central's write actions
(catalog-conditioned), write slots as its only PutItem, a timeout inside the answer's lease, its output;
and with `answers: false`, no function and no write permission anywhere."""

import json
from pathlib import Path
from typing import Any

import pytest

from infra.answer_function import TIMEOUT, WRITE_ACTIONS
from invitation_sync.adapters.aws import PARTNER_CENTRAL_CONFIG
from invitation_sync.budgets import (
    ANSWER_FAILURE_WORST_CASE,
    ANSWER_LEASE_SECONDS,
    AWS_CALL_WORST_CASE,
    WRITE_CALL_WORST_CASE,
    answer_write_worst_case,
    call_worst_case,
)
from invitation_sync.rate_limit import RateLimiter
from tests.infra.conftest import Synthesized, synthesize

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]
HANDLER = "invitation_sync.handlers.answer_handler.lambda_handler"
TASKS = "partnercentral:ListEngagementByAcceptingInvitationTasks"


def statements_by_role(stack: Synthesized) -> dict[str, list[dict[str, Any]]]:
    """Every function role's statements, by the logical id of the role."""
    found: dict[str, list[dict[str, Any]]] = {}
    for policy in stack.resources("AWS::IAM::Policy").values():
        for role in policy["Properties"]["Roles"]:
            found.setdefault(role["Ref"], []).extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return found


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return set(action if isinstance(action, list) else [action])


def answer_role(stack: Synthesized) -> str:
    [function] = [f for f in stack.resources("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == HANDLER]
    return str(function["Properties"]["Role"]["Fn::GetAtt"][0])


@pytest.mark.parametrize("stack_name", ["default_stack", "configured_stack"])
def test_only_the_answer_role_may_write_to_partner_central_and_only_in_its_catalogs(
    stack_name: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(stack_name)
    catalogs = ["AWS"] if stack_name == "default_stack" else ["AWS", "Sandbox"]
    answerer = answer_role(stack)
    by_role = statements_by_role(stack)
    writes = {*WRITE_ACTIONS, TASKS}
    for role, statements in by_role.items():
        granted = {action for statement in statements for action in actions(statement)}
        if role != answerer:
            assert not granted & writes, f"{role} may write to Partner Central: {granted & writes}"
    partner_central = [s for s in by_role[answerer] if any(a.startswith("partnercentral:") for a in actions(s))]
    assert {a for s in partner_central for a in actions(s)} == writes | {"partnercentral:GetEngagementInvitation"}
    for statement in partner_central:
        assert statement["Condition"] == {"StringEquals": {"partnercentral:Catalog": catalogs}}


def test_the_answer_role_puts_only_write_slots(default_stack: Synthesized) -> None:
    statements = statements_by_role(default_stack)[answer_role(default_stack)]
    [put] = [s for s in statements if "dynamodb:PutItem" in actions(s)]
    assert actions(put) == {"dynamodb:PutItem"}
    assert put["Condition"] == {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["_writeSlots"]}}


def test_the_timeout_allows_a_write_at_its_worst_and_ends_before_the_lease(default_stack: Synthesized) -> None:
    [function] = [
        f for f in default_stack.resources("AWS::Lambda::Function").values() if f["Properties"]["Handler"] == HANDLER
    ]
    properties = function["Properties"]
    assert "ReservedConcurrentExecutions" not in properties  # new accounts cannot deploy it
    environment = properties["Environment"]["Variables"]
    assert environment["PARTNER_CENTRAL_WRITE_RATE"] == "1.0"
    pacing = RateLimiter(float(environment["PARTNER_CENTRAL_RATE_CAP"])).longest_wait
    read = call_worst_case(PARTNER_CENTRAL_CONFIG, pacing)
    record = AWS_CALL_WORST_CASE
    # Every call after the time check, on each path a write can take, counted here from the budget's pieces:
    # a refused token-less write: the Get before it, writing recorded, the write, the Get its ConflictException
    # calls for, the failure recorded and published; a refused accept task: the List of the invitation's tasks,
    # writing recorded, the Start, then written recorded and the failure; a conflicting Start: the List and the
    # Get it calls for before the task it meets is recorded.
    start = read + record + WRITE_CALL_WORST_CASE
    paths = {
        "token-less write refused": start + read + ANSWER_FAILURE_WORST_CASE,
        "accept task refused": start + record + ANSWER_FAILURE_WORST_CASE,
        "accept task conflicting": start + read + read + record + ANSWER_FAILURE_WORST_CASE,
    }
    for path, seconds in paths.items():
        assert answer_write_worst_case(pacing) >= seconds, path
    # The stored item and the claim before the time check, the handler's reserve of one call after the write.
    invocation = 2 * record + answer_write_worst_case(pacing) + AWS_CALL_WORST_CASE
    assert invocation <= properties["Timeout"] == TIMEOUT.to_seconds() < ANSWER_LEASE_SECONDS


def test_the_table_deletes_write_slots_by_time_to_live(default_stack: Synthesized) -> None:
    [table] = default_stack.resources("AWS::DynamoDB::Table").values()
    assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "deleteAfter", "Enabled": True}


def test_the_answer_function_name_is_a_stack_output(default_stack: Synthesized) -> None:
    output = default_stack.raw["Outputs"]["AnswerFunctionName"]
    assert output["Value"] == {
        "Ref": next(
            logical_id
            for logical_id, f in default_stack.resources("AWS::Lambda::Function").items()
            if f["Properties"]["Handler"] == HANDLER
        )
    }


def test_answers_off_deploys_no_function_and_no_write_permission(tmp_path: Path) -> None:
    stack = synthesize(tmp_path, {"answers": False})
    handlers = {f["Properties"]["Handler"] for f in stack.resources("AWS::Lambda::Function").values()}
    assert HANDLER not in handlers
    assert "AnswerFunctionName" not in stack.raw["Outputs"]
    template = json.dumps(stack.raw)
    assert not any(action in template for action in (*WRITE_ACTIONS, TASKS))


def test_an_asynchronous_invoke_is_never_retried_by_lambda(default_stack: Synthesized) -> None:
    """Results of asynchronous invokes are discarded; the recorded answer (its lease) makes a repeat safe, but a
    repeat Lambda makes on its own would only spend write quota: none."""
    [function_id] = [
        logical_id
        for logical_id, f in default_stack.resources("AWS::Lambda::Function").items()
        if f["Properties"]["Handler"] == HANDLER
    ]
    [config] = [
        c["Properties"]
        for c in default_stack.resources("AWS::Lambda::EventInvokeConfig").values()
        if c["Properties"]["FunctionName"] == {"Ref": function_id}
    ]
    assert config["MaximumRetryAttempts"] == 0

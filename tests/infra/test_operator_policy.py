"""The operator IAM policy of docs/operations.md grants what the CLI needs on the names CloudFormation will
give the synthesized resources, and nothing on the sync function: its patterns are checked against the template's
logical ids, named the way CloudFormation names resources without an explicit name."""

import pytest

from infra.settings import PARTNER_CENTRAL_REGION
from infra.stack import STACK_ID
from tests.fixtures.iam import ACCOUNT, AuthorizationRequest, RolePolicy
from tests.fixtures.operator_policy import generated_name, operator_policy
from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.xdist_group("cdk")


def allowed(policy: RolePolicy, action: str, arn: str) -> bool:
    return policy.allows(AuthorizationRequest(action, arn))


def test_the_readme_operator_policy_matches_the_names_cloudformation_gives(default_stack: Synthesized) -> None:
    policy = operator_policy()
    resources, outputs = default_stack.raw["Resources"], default_stack.raw["Outputs"]

    def name_of(output: str) -> str:
        logical_id = outputs[output]["Value"]["Ref"]
        return generated_name(logical_id, resources[logical_id]["Type"])

    prefix = f"arn:aws:%s:{PARTNER_CENTRAL_REGION}:{ACCOUNT}"
    stack_arn = f"{prefix % 'cloudformation'}:stack/{STACK_ID}/0c1d2e3f-aaaa-bbbb-cccc-0123456789ab"
    assert allowed(policy, "cloudformation:DescribeStacks", stack_arn)

    reconciler = f"{prefix % 'lambda'}:function:{name_of('ReconcilerFunctionName')}"
    sync = f"{prefix % 'lambda'}:function:{name_of('SyncFunctionName')}"
    assert allowed(policy, "lambda:InvokeFunction", reconciler)
    assert not allowed(policy, "lambda:InvokeFunction", sync), "redrive goes through the queue, never a call"
    answer = f"{prefix % 'lambda'}:function:{name_of('AnswerFunctionName')}"
    assert allowed(policy, "lambda:InvokeFunction", answer), "accept and reject invoke the answer function"

    table = f"{prefix % 'dynamodb'}:table/{name_of('TableName')}"
    for arn in (table, f"{table}/index/byStatus", f"{table}/index/byStatusExpiration"):
        assert allowed(policy, "dynamodb:Query", arn), arn
    assert not allowed(policy, "dynamodb:UpdateItem", table)

    failed = f"{prefix % 'sqs'}:{name_of('FailedEventsQueueUrl')}"
    events = f"{prefix % 'sqs'}:{name_of('EventQueueUrl')}"
    for action in ("sqs:StartMessageMoveTask", "sqs:ReceiveMessage", "sqs:DeleteMessage"):
        assert allowed(policy, action, failed), action
        assert not allowed(policy, action, events), action
    assert allowed(policy, "sqs:SendMessage", events)
    assert not allowed(policy, "sqs:SendMessage", failed)

    # CloudWatch authorizes DescribeAlarms on every alarm, whatever name prefix the call asks for.
    assert allowed(policy, "cloudwatch:DescribeAlarms", f"{prefix % 'cloudwatch'}:alarm:*")

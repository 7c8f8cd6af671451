"""Every AWS call each function sends, judged by the IAM policy the template gives its role.

moto checks no permission: a call the role lacks passes every local test and fails in AWS with
AccessDenied (for the sync function: every event parked). Here the real handlers run on the
synthesized stack (moto, the template's names) through the paths that reach each kind of call, and
each call, with the KMS use it implies on the stack's encrypted table, topic and queues, must be
allowed by its function's role: action, resource and conditions.
"""

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from invitation_sync.adapters.table_design import PARTITION_KEY
from invitation_sync.normalize import iso_utc
from local.aws_resources import make_moto_item_writes_atomic
from local.environment import local_process_environment
from local.event_source_mapping import LocalEventSourceMapping
from local.operator import LocalOperator, deploy_for_operator
from local.partner_central_emulator import PartnerCentralEmulator
from local.samples import invitation_event, lead_invitation, opportunity_invitation
from tests.fixtures.iam import AuthorizationRequest, AwsCall, CallRecorder, RolePolicy, TemplateNames, as_list
from tests.fixtures.iam import authorization_requests as requests_of
from tests.infra.conftest import synthesize

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]

SYNC, RECONCILE, REMIND, ANSWER = (
    f"invitation_sync.handlers.{name}_handler" for name in ("sync", "reconcile", "reminder", "answer")
)
HANDLERS = [SYNC, RECONCILE, REMIND, ANSWER]
ACCEPTED, REJECTED = "Engagement Invitation Accepted", "Engagement Invitation Rejected"
# What the paths below must reach, so a path that stops calling AWS cannot pass by checking nothing.
REACHED = {
    SYNC: {
        "GetEngagementInvitation",
        "ListEngagementInvitations",
        "GetItem",
        "UpdateItem",
        "Publish",
        "ChangeMessageVisibilityBatch",
        "SendMessage",
    },
    RECONCILE: {
        "ListEngagementInvitations",
        "GetEngagementInvitation",
        "BatchGetItem",
        "GetItem",
        "PutItem",
        "DeleteItem",
        "UpdateItem",
        "Query",
        "Publish",
    },
    REMIND: {"Query", "UpdateItem", "Publish"},
    ANSWER: {
        "GetItem",
        "UpdateItem",
        "PutItem",
        "StartEngagementByAcceptingInvitationTask",
        "ListEngagementByAcceptingInvitationTasks",
        "AcceptEngagementInvitation",
        "RejectEngagementInvitation",
        "GetEngagementInvitation",
        "Publish",
    },
}


@dataclass
class RecordedStack:
    template: dict[str, Any]
    names: TemplateNames
    recorder: CallRecorder
    functions: dict[str, str]  # handler module -> the function's logical id

    def policy(self, handler: str) -> RolePolicy:
        return RolePolicy(self.statements(handler))

    def statements(self, handler: str) -> list[dict[str, Any]]:
        return self.names.role_statements(self.functions[handler])

    def calls(self, handler: str) -> list[AwsCall]:
        return [call for call in self.recorder.calls if call.function == self.functions[handler]]

    def requests(self, handler: str) -> list[AuthorizationRequest]:
        """Everything IAM authorizes for the function's role: its own calls, its event source mapping's
        and the runtime's."""
        function = self.functions[handler]
        calls = self.calls(handler) + self.names.platform_calls(function)
        keys = self.names.encryption_keys()
        return [r for call in calls for r in requests_of(call, keys, PARTITION_KEY)] + self.names.runtime_requests(
            function
        )


class ActingInvoker:
    """The operator's invoker, with every call the function sends recorded under its name."""

    def __init__(self, operator: LocalOperator, recorder: CallRecorder) -> None:
        self._operator, self._recorder = operator, recorder

    def invoke(self, function_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        with self._recorder.acting_as(function_name):
            return self._operator.invoker.invoke(function_name, payload)


class Scenarios:
    """The paths that reach each kind of call, on the deployed stack: the sync function through its event
    queue (the local event source mapping), the scheduled functions through the operator's invoker."""

    def __init__(self, operator: LocalOperator, invoker: ActingInvoker, emulator: PartnerCentralEmulator) -> None:
        self.functions = {
            function.handler.rsplit(".", 1)[0]: name for name, function in operator.deployment.functions.items()
        }
        self.table = operator.deployment.outputs["TableName"]
        self.sqs = boto3.client("sqs")
        self.queue = operator.deployment.functions[self.functions[SYNC]].environment["INVITATION_EVENTS_QUEUE_URL"]
        self.mapping = LocalEventSourceMapping(self.sqs, self.queue, invoker, self.functions[SYNC])
        self.invoker, self.emulator = invoker, emulator

    def run(self) -> None:
        self.events_and_retries()
        self.reconcile_runs()
        self.reminder()
        self.answers()

    def through_queue(self, event: dict[str, Any], earlier_receives: int = 0) -> None:
        self.sqs.send_message(QueueUrl=self.queue, MessageBody=json.dumps(event))
        for _ in range(earlier_receives):
            self.sqs.receive_message(QueueUrl=self.queue, VisibilityTimeout=0)
        assert self.mapping.poll_once() == 1

    def invoke(self, handler: str, payload: dict[str, Any]) -> dict[str, Any]:
        answer = self.invoker.invoke(self.functions[handler], payload)
        assert "errorType" not in answer, answer
        return answer

    def events_and_retries(self) -> None:
        """A new invitation, a lagging read (retried later), a lagging read on its last receive (parked),
        a first sighting already rejected (List), and a direct invocation (moved onto the queue)."""
        new, lagging, rejected = (opportunity_invitation(number) for number in (1, 2, 3))
        for invitation in (new, lagging):
            self.emulator.put(invitation)
            self.through_queue(invitation_event(invitation))
        self.through_queue(invitation_event(lagging, ACCEPTED))  # Get still answers PENDING: back in a minute
        self.through_queue(invitation_event(lagging, ACCEPTED), earlier_receives=4)  # its last receive: parked
        self.emulator.put({**rejected, "Status": "REJECTED"})
        self.emulator.make_inaccessible("AWS", rejected["Id"])
        self.through_queue(invitation_event(rejected, REJECTED))
        self.invoke(SYNC, invitation_event(new))
        assert self.mapping.poll_once() == 1  # the event it moved, now from the queue

    def reconcile_runs(self) -> None:
        """Drift repaired by the hourly run, the weekly sweep, and a sweep that finds the lock held (deferred)."""
        self.emulator.put(opportunity_invitation(4))  # its event never arrived
        self.emulator.put(opportunity_invitation(5, catalog="Sandbox"), participant_type="SENDER")
        assert self.invoke(RECONCILE, {"mode": "incremental"})["backfilled"] == 2  # never seen before
        self.invoke(RECONCILE, {"mode": "full"})
        until = iso_utc(datetime.now(UTC) + timedelta(minutes=10))
        lock = {"catalog": {"S": "_reconciler"}, "id": {"S": "lock"}, "holder": {"S": "other"}, "until": {"S": until}}
        boto3.client("dynamodb").put_item(TableName=self.table, Item=lock)
        assert self.invoke(RECONCILE, {"mode": "full"})["skipped"]

    def reminder(self) -> None:
        """A PENDING invitation two days from expiry: one reminder."""
        expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        soon = {**opportunity_invitation(6), "ExpirationDate": expiry}
        self.emulator.put(soon)
        self.through_queue(invitation_event(soon))
        assert self.invoke(REMIND, {"source": "aws.events"})["published"] == 1

    def answers(self) -> None:
        """The answer function on each write path: an opportunity accepted by its task (followed by List), a
        lead accepted, a lead rejected; each then stored and published through the sync's path."""
        paths = ((opportunity_invitation(7), "accept"), (lead_invitation(8), "accept"), (lead_invitation(9), "reject"))
        for invitation, decision in paths:
            self.emulator.put(invitation)
            self.through_queue(invitation_event(invitation))
            reason = {"reason": "Unable to support"} if decision == "reject" else {}
            request = {"catalog": "AWS", "invitationId": invitation["Id"], "decision": decision, **reason}
            result = self.invoke(ANSWER, request | {"requestedBy": "ana@example.com"})
            assert result["outcome"] == {"accept": "accepted", "reject": "rejected"}[decision], result


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory, emulator: PartnerCentralEmulator) -> Iterator[RecordedStack]:
    context: dict[str, object] = {"catalogs": "AWS,Sandbox", "participantTypes": "RECEIVER,SENDER"}
    template = synthesize(tmp_path_factory.mktemp("cdk-permissions"), context).raw
    emulator.reset()
    with local_process_environment(AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING=emulator.url), mock_aws():
        make_moto_item_writes_atomic()
        with CallRecorder() as recorder:  # before the deployment: its functions make their clients after
            operator = deploy_for_operator(template)
            scenarios = Scenarios(operator, ActingInvoker(operator, recorder), emulator)
            scenarios.run()
        yield RecordedStack(template, TemplateNames(template, operator.deployment), recorder, scenarios.functions)


@pytest.mark.parametrize("handler", HANDLERS)
def test_the_paths_reach_every_kind_of_call(recorded: RecordedStack, handler: str) -> None:
    assert REACHED[handler] <= {call.operation for call in recorded.calls(handler)}


@pytest.mark.parametrize("handler", HANDLERS)
def test_every_call_a_function_sends_is_allowed_by_its_role(recorded: RecordedStack, handler: str) -> None:
    policy = recorded.policy(handler)
    denied = sorted({str(request) for request in recorded.requests(handler) if not policy.allows(request)})
    assert not denied, "AccessDenied in AWS:\n" + "\n".join(denied)


@pytest.mark.parametrize("handler", HANDLERS)
def test_every_action_a_role_is_granted_is_used(recorded: RecordedStack, handler: str) -> None:
    """Least privilege, by behaviour: each granted action serves a call the function, its event source
    mapping or the runtime makes. A grant nothing uses is a permission an attacker could use instead."""
    requests = recorded.requests(handler)
    unused = [
        f"{action} on {statement['Resource']}"
        for statement in recorded.statements(handler)
        for action in as_list(statement["Action"])
        if not any(RolePolicy([{**statement, "Action": action}]).allows(request) for request in requests)
    ]
    assert not unused, "granted, never used:\n" + "\n".join(unused)


def test_the_judge_refuses_what_the_roles_do_not_grant(recorded: RecordedStack) -> None:
    """Requests the functions did send, changed where their grants end, are refused."""
    reconciler, reminders = recorded.policy(RECONCILE), recorded.policy(REMIND)
    lock = next(r for r in recorded.requests(RECONCILE) if r.action == "dynamodb:PutItem")
    via_sns = next(r for r in recorded.requests(RECONCILE) if r.action == "kms:Decrypt" and "sns." in str(r))
    by_expiry = next(r for r in recorded.requests(REMIND) if r.action == "dynamodb:Query")
    publish = next(r for r in recorded.requests(REMIND) if r.action == "sns:Publish")
    [alarms] = [
        recorded.names.arn(logical_id)
        for logical_id, resource in recorded.template["Resources"].items()
        if resource["Type"] == "AWS::SNS::Topic" and "alarms" in resource["Properties"]["DisplayName"]
    ]
    assert reconciler.allows(lock)
    assert not reconciler.allows(replace(lock, context={"dynamodb:LeadingKeys": ("AWS",)}))  # an invitation's item
    assert not reconciler.allows(replace(via_sns, context={"kms:ViaService": ("sqs.us-east-1.amazonaws.com",)}))
    assert reminders.allows(publish)
    assert not reminders.allows(replace(by_expiry, resource=by_expiry.resource.replace("Expiration", "")))
    assert not reminders.allows(replace(publish, resource=alarms))  # the operators' alarm topic
    assert not reminders.allows(replace(publish, action="sns:Subscribe"))


def test_the_judge_refuses_the_answer_role_what_it_does_not_grant(recorded: RecordedStack) -> None:
    """The answer role writes to Partner Central in its catalogs only and puts write slots only; no other role
    may send the write its calls carry."""
    answerer, sync = recorded.policy(ANSWER), recorded.policy(SYNC)
    requests = recorded.requests(ANSWER)
    start = next(r for r in requests if r.action == "partnercentral:StartEngagementByAcceptingInvitationTask")
    reject = next(r for r in requests if r.action == "partnercentral:RejectEngagementInvitation")
    slot = next(r for r in requests if r.action == "dynamodb:PutItem")
    assert answerer.allows(start)
    assert answerer.allows(reject)
    assert answerer.allows(slot)
    assert not answerer.allows(replace(start, context={"partnercentral:Catalog": ("Live",)}))
    assert not answerer.allows(replace(slot, context={"dynamodb:LeadingKeys": ("AWS",)}))  # an invitation's item
    assert not answerer.allows(replace(slot, action="dynamodb:DeleteItem"))
    assert not answerer.allows(replace(reject, action="partnercentral:ListEngagementInvitations"))
    assert not sync.allows(start)
    assert not sync.allows(reject)

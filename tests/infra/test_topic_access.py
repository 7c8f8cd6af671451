"""The event topic stays closed to everyone but the functions: the operator CLI never publishes, so no
operator policy can open it. Evaluated on the synthesized template, where IAM's answer is decided."""

import json
import re
from typing import Any

import pytest

from tests.fixtures.iam import AuthorizationRequest, RolePolicy, as_list
from tests.infra.conftest import Synthesized

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("cdk")]


def events_topic_id(stack: Synthesized) -> str:
    (topic_id,) = [
        logical_id
        for logical_id, topic in stack.resources("AWS::SNS::Topic").items()
        if "invitation changes" in topic["Properties"].get("DisplayName", "")
    ]
    return topic_id


def topic_policy(stack: Synthesized, topic_id: str) -> dict[str, Any]:
    policy: dict[str, Any]
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in stack.resources("AWS::SNS::TopicPolicy").values()
        if {"Ref": topic_id} in p["Properties"]["Topics"]
    ]
    return policy


def denies_publish(policy: dict[str, Any], topic_id: str, principal_arn: Any) -> bool:
    """Whether an explicit Deny in the topic policy applies to `principal_arn` publishing to the topic
    (a Deny wins over any Allow an identity policy may give)."""
    for statement in policy["PolicyDocument"]["Statement"]:
        if (
            statement["Effect"] != "Deny"
            or "sns:Publish" not in as_list(statement["Action"])
            or statement["Principal"] != {"AWS": "*"}
        ):
            continue
        if statement["Resource"] != {"Ref": topic_id}:
            continue
        conditions = statement.get("Condition", {})
        if set(conditions) == {"ArnNotEquals"} and set(conditions["ArnNotEquals"]) == {"aws:PrincipalArn"}:
            return principal_arn not in conditions["ArnNotEquals"]["aws:PrincipalArn"]
    return False


@pytest.mark.parametrize("stack_name", ["default_stack", "configured_stack"])
def test_the_event_topic_refuses_every_principal_but_the_function_roles(
    stack_name: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(stack_name)
    topic_id = events_topic_id(stack)
    policy = {"PolicyDocument": topic_policy(stack, topic_id)}
    function_roles = [f["Properties"]["Role"] for f in stack.resources("AWS::Lambda::Function").values()]
    publishers = [
        policy_resource["Properties"]["Roles"]
        for policy_resource in stack.resources("AWS::IAM::Policy").values()
        if any(
            "sns:Publish" in as_list(s["Action"]) and s["Resource"] == {"Ref": topic_id}
            for s in policy_resource["Properties"]["PolicyDocument"]["Statement"]
        )
    ]
    assert function_roles, "no function in the template"
    for role in function_roles:
        assert not denies_publish(policy, topic_id, role), f"{role} cannot publish"
    for roles in publishers:  # every role granted sns:Publish on the topic is a function's role
        assert all({"Fn::GetAtt": [r["Ref"], "Arn"]} in function_roles for r in roles)
    for outsider in (
        "arn:aws:iam::111122223333:role/Operator",
        "arn:aws:iam::111122223333:root",
        "arn:aws:sts::111122223333:assumed-role/Admin/pat",
        {"Fn::GetAtt": ["SomeOtherRole", "Arn"]},
    ):
        assert denies_publish(policy, topic_id, outsider), outsider


def test_the_event_topic_accepts_subscriptions_by_encrypted_protocols_only(default_stack: Synthesized) -> None:
    """Its messages carry contacts and customer data: every protocol SNS's Subscribe knows, judged one by one."""
    topic_id = events_topic_id(default_stack)
    policy = topic_policy(default_stack, topic_id)
    topic = "arn:aws:sns:us-east-1:123456789012:events"
    statements = [
        {**s, "Resource": [topic if s["Resource"] == {"Ref": topic_id} else "?"]} for s in policy["Statement"]
    ]
    judged = RolePolicy(statements)

    def refused(protocol: str) -> bool:
        return judged.denies(AuthorizationRequest("sns:Subscribe", topic, {"sns:Protocol": (protocol,)}))

    every = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
    assert [protocol for protocol in every if not refused(protocol)] == ["https", "sqs", "lambda", "firehose"]
    assert refused("HTTP")  # an allow-list: nothing else passes
    assert refused("a-protocol-sns-adds-later")


@pytest.mark.parametrize(
    ("stack_name", "accounts"), [("default_stack", []), ("configured_stack", ["444455556666", "777788889999"])]
)
def test_another_account_may_subscribe_only_its_own_endpoints_when_listed(
    stack_name: str, accounts: list[str], request: pytest.FixtureRequest
) -> None:
    """SNS lets another account's principal subscribe only with an Allow in the topic policy
    (`subscriberAccounts`): sns:Subscribe to that account's own queues, functions and delivery streams,
    judged endpoint by endpoint (the protocol Deny still applies to it), and sns:GetTopicAttributes, which
    CloudFormation's AWS::SNS::Subscription handler calls before Subscribe and Unsubscribe. That request
    carries no sns:Endpoint, so a condition on the key would refuse it. Nothing else."""
    stack: Synthesized = request.getfixturevalue(stack_name)
    topic_id = events_topic_id(stack)
    statements = topic_policy(stack, topic_id)["Statement"]
    allowed_accounts = [
        re.findall(r":iam::(\d{12}):root", json.dumps(s["Principal"])) for s in statements if s["Effect"] == "Allow"
    ]
    assert sorted(allowed_accounts) == sorted([account] for account in accounts * 2)  # two statements each
    topic = "arn:aws:sns:us-east-1:123456789012:events"
    for account in accounts:
        judged = RolePolicy(
            [
                {**s, "Resource": topic, "Condition": resolved(s.get("Condition", {}))}
                for s in statements
                if f":iam::{account}:root" in json.dumps(s["Principal"]) or s["Action"] == "sns:Subscribe"
            ]
        )

        def allowed(endpoint: str, judged: RolePolicy = judged) -> bool:
            return judged.allows(
                AuthorizationRequest("sns:Subscribe", topic, {"sns:Endpoint": (endpoint,), "sns:Protocol": ("sqs",)})
            )

        assert judged.allows(AuthorizationRequest("sns:GetTopicAttributes", topic))
        for action in ("sns:Publish", "sns:SetTopicAttributes", "sns:ListSubscriptionsByTopic", "sns:AddPermission"):
            assert not judged.allows(AuthorizationRequest(action, topic)), action

        assert allowed(f"arn:aws:sqs:us-east-1:{account}:crm-invitations")
        assert allowed(f"arn:aws:lambda:us-east-1:{account}:function:notify")
        assert allowed(f"arn:aws:firehose:us-east-1:{account}:deliverystream/analytics")
        assert not allowed("arn:aws:sqs:us-east-1:999999999999:someone-elses")
        assert not allowed(f"arn:aws:lambda:us-east-1:999999999999:function:{account}")
        assert not allowed("https://crm.example.com/hooks/invitations")


def resolved(value: Any) -> Any:
    """The template's Fn::Join of the partition, as the policy reads in the aws partition."""
    if value == {"Ref": "AWS::Partition"}:
        return "aws"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(resolved(part) for part in parts)
    if isinstance(value, dict):
        return {key: resolved(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item) for item in value]
    return value


def test_the_event_topic_signs_with_sha256(default_stack: Synthesized) -> None:
    """What an HTTPS subscriber verifies each message by (version 1 is SHA1)."""
    topic = default_stack.resources("AWS::SNS::Topic")[events_topic_id(default_stack)]
    assert topic["Properties"]["SignatureVersion"] == "2"

"""What stands between Partner Central and the event queue, from the synthesized template on moto: the
customer managed key and its policy, the queues' encryption and resource policies, the invitation rule
with its target, the functions' log groups and the alarms. moto enforces none of these policies;
`invitation-sync verify` reads them as AWS would apply them. moto has no TestEventPattern: a botocore
hook answers it with moto's own event-pattern matcher, the one its event buses route with."""

import json
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders
from moto.events.models import EventPattern

from local.cloudformation import LocalDeployment

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_kms import KMSClient

# CloudFormation names what it creates <stack>-<logical id>-<suffix>; the CLI finds the alarms by it.
_SUFFIX: Final = "LOCAL"
_ALARM_PROPERTIES: Final = (
    "AlarmDescription",
    "ComparisonOperator",
    "Dimensions",
    "EvaluationPeriods",
    "MetricName",
    "Metrics",
    "Namespace",
    "Period",
    "Statistic",
    "Threshold",
    "TreatMissingData",
)


def deploy_event_delivery(template: dict[str, Any], deployment: LocalDeployment, stack_name: str) -> None:
    """After `local.cloudformation.deploy`: the resources it leaves out, in dependency order."""
    resources = template["Resources"]
    kms, sqs, events = boto3.client("kms"), boto3.client("sqs"), boto3.client("events")
    for logical_id, resource in _of_type(resources, "AWS::KMS::Key"):
        _create_key(kms, deployment, logical_id, resource["Properties"])
    for logical_id, resource in _of_type(resources, "AWS::SQS::Queue"):
        if key := resource["Properties"].get("KmsMasterKeyId"):
            url = deployment.refs[logical_id]
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": deployment.resolve(key)})
    for logical_id, resource in _of_type(resources, "AWS::Events::Rule"):
        if "EventPattern" in resource["Properties"]:  # the schedules have no local meaning
            _create_rule(events, deployment, logical_id, resource["Properties"])
    for _, resource in _of_type(resources, "AWS::SQS::QueuePolicy"):
        properties = deployment.resolved(resource["Properties"])
        for url in properties["Queues"]:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(properties["PolicyDocument"])})
    logs = boto3.client("logs")
    for logical_id, _ in _of_type(resources, "AWS::Logs::LogGroup"):  # the functions' log lines go there
        logs.create_log_group(logGroupName=deployment.refs[logical_id])
    cloudwatch = boto3.client("cloudwatch")
    for logical_id, resource in _of_type(resources, "AWS::CloudWatch::Alarm"):
        _create_alarm(cloudwatch, deployment, f"{stack_name}-{logical_id}-{_SUFFIX}", resource["Properties"])


def install_test_event_pattern(session: boto3.Session) -> None:
    """EventBridge's TestEventPattern on `session`'s clients, answered locally."""
    session.events.register("before-parameter-build.events.TestEventPattern", _keep_params)
    session.events.register("before-call.events.TestEventPattern", _test_event_pattern)  # type: ignore[arg-type]


def _of_type(resources: dict[str, Any], resource_type: str) -> list[tuple[str, dict[str, Any]]]:
    return [(logical_id, r) for logical_id, r in resources.items() if r["Type"] == resource_type]


def _create_key(kms: "KMSClient", deployment: LocalDeployment, logical_id: str, properties: dict[str, Any]) -> None:
    policy = json.dumps(deployment.resolved(properties["KeyPolicy"]))
    arn = kms.create_key(Policy=policy, Description=properties.get("Description", ""))["KeyMetadata"]["Arn"]
    deployment.refs[logical_id] = arn.rsplit("/", 1)[-1]
    deployment.arns[logical_id] = arn


def _create_rule(
    events: "EventBridgeClient", deployment: LocalDeployment, logical_id: str, properties: dict[str, Any]
) -> None:
    arn = events.put_rule(
        Name=logical_id,
        EventPattern=json.dumps(properties["EventPattern"]),
        State=properties.get("State", "ENABLED"),
        Description=properties.get("Description", ""),
    )["RuleArn"]
    deployment.refs[logical_id] = logical_id
    deployment.arns[logical_id] = arn
    events.put_targets(Rule=logical_id, Targets=deployment.resolved(properties["Targets"]))


def _create_alarm(
    cloudwatch: "CloudWatchClient", deployment: LocalDeployment, name: str, properties: dict[str, Any]
) -> None:
    wanted = {key: deployment.resolved(properties[key]) for key in _ALARM_PROPERTIES if key in properties}
    cloudwatch.put_metric_alarm(AlarmName=name, **wanted)


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    context["test_event_pattern_params"] = dict(params)


def _test_event_pattern(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
    params = context["test_event_pattern_params"]
    result = EventPattern(params["EventPattern"], json.loads(params["EventPattern"])).matches_event(
        json.loads(params["Event"])
    )
    return AWSResponse("https://events.local", 200, HTTPHeaders(), None), {
        "Result": result,
        "ResponseMetadata": {"HTTPStatusCode": 200},
    }

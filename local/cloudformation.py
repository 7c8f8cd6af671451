"""Creates the synthesized template's table, topics, queues and queue subscriptions on a local AWS, and
resolves each function's environment and the stack's outputs, so the demo runs what deploys."""

import json
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.literals import QueueAttributeNameType

_TABLE_PROPERTIES: Final = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")
_PSEUDO: Final = {  # moto's account
    "AWS::AccountId": "123456789012",
    "AWS::Region": "us-east-1",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


@dataclass(frozen=True)
class LocalFunction:
    handler: str  # module.function, as Lambda's Handler
    environment: dict[str, str]
    timeout_seconds: int
    log_group: str | None = None  # where Lambda would ship its log lines (local/functions.py does)


class TemplateError(ValueError):
    """The template holds something this local deployment cannot reproduce."""


@dataclass
class LocalDeployment:
    refs: dict[str, str] = field(default_factory=dict)  # logical id -> what Ref resolves to
    arns: dict[str, str] = field(default_factory=dict)  # logical id -> Fn::GetAtt Arn
    tables: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    functions: dict[str, "LocalFunction"] = field(default_factory=dict)  # function name -> what runs
    outputs: dict[str, str] = field(default_factory=dict)  # the stack's outputs that resolve locally

    def environment_of(self, handler: str) -> dict[str, str]:
        """The variables of the function that runs `handler`."""
        [environment] = [function.environment for function in self.functions.values() if function.handler == handler]
        return environment

    def resolve(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Ref" in value and value["Ref"] in {**_PSEUDO, **self.refs}:
            return {**_PSEUDO, **self.refs}[value["Ref"]]
        if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][0] in self.arns:
            [logical_id, attribute] = value["Fn::GetAtt"]
            arn = self.arns[logical_id]
            return arn.rsplit(":", 1)[-1] if attribute == "QueueName" else arn
        if isinstance(value, dict) and "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return str(separator).join(self.resolve(part) for part in parts)
        raise TemplateError(f"cannot resolve {value!r} locally")

    def resolved(self, value: Any) -> Any:
        """A template fragment with every intrinsic function in it resolved."""
        if isinstance(value, list):
            return [self.resolved(item) for item in value]
        if not isinstance(value, dict):
            return value
        if {"Ref", "Fn::GetAtt", "Fn::Join"} & value.keys():
            return self.resolve(value)
        return {key: self.resolved(item) for key, item in value.items()}


def deploy(template: dict[str, Any], dynamodb: "DynamoDBClient", sns: "SNSClient", sqs: "SQSClient") -> LocalDeployment:
    deployment = LocalDeployment()
    resources = template["Resources"]
    queues: list[tuple[str, dict[str, Any]]] = []
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        match resource["Type"]:
            case "AWS::DynamoDB::Table":
                table = {key: properties[key] for key in _TABLE_PROPERTIES if key in properties}
                dynamodb.create_table(TableName=logical_id, **table)
                deployment.refs[logical_id] = logical_id
                deployment.tables.append(logical_id)
            case "AWS::SNS::Topic":
                arn = sns.create_topic(Name=logical_id)["TopicArn"]
                deployment.refs[logical_id] = deployment.arns[logical_id] = arn
                deployment.topics.append(arn)
            case "AWS::SQS::Queue":
                queues.append((logical_id, properties))
            case "AWS::Logs::LogGroup":  # created by the first line shipped to it
                deployment.refs[logical_id] = logical_id
    # Dead-letter queues first: a queue's redrive policy names its dead-letter queue's ARN.
    for logical_id, properties in sorted(queues, key=lambda queue: "RedrivePolicy" in queue[1]):
        url = sqs.create_queue(QueueName=logical_id, Attributes=_queue_attributes(properties, deployment))["QueueUrl"]
        deployment.refs[logical_id] = url
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        deployment.arns[logical_id] = attributes["QueueArn"]
    functions = [logical_id for logical_id, r in resources.items() if r["Type"] == "AWS::Lambda::Function"]
    for logical_id in functions:  # named by logical id here; a function's environment may name another's ARN
        deployment.refs[logical_id] = logical_id
        deployment.arns[logical_id] = (
            f"arn:aws:lambda:{_PSEUDO['AWS::Region']}:{_PSEUDO['AWS::AccountId']}:function:{logical_id}"
        )
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::SNS::Subscription" and resource["Properties"]["Protocol"] == "sqs":
            _subscribe(sns, deployment.resolved(resource["Properties"]))
        if resource["Type"] == "AWS::Lambda::Function":
            properties = resource["Properties"]
            variables = properties.get("Environment", {}).get("Variables", {})
            environment = {k: deployment.resolve(v) for k, v in variables.items()}
            log_group = properties.get("LoggingConfig", {}).get("LogGroup")
            deployment.functions[logical_id] = LocalFunction(
                properties["Handler"],
                environment,
                int(properties.get("Timeout", 3)),
                deployment.resolve(log_group) if log_group else None,
            )
    for key, output in template.get("Outputs", {}).items():
        try:
            deployment.outputs[key] = deployment.resolve(output["Value"])
        except TemplateError:
            continue  # e.g. the dashboard: nothing local stands for it
    return deployment


def _subscribe(sns: "SNSClient", properties: dict[str, Any]) -> None:
    """A queue's subscription as the template declares it: SNS applies its filter policy and raw delivery."""
    attributes = {"RawMessageDelivery": str(properties.get("RawMessageDelivery", False)).lower()}
    if "FilterPolicy" in properties:
        attributes["FilterPolicy"] = json.dumps(properties["FilterPolicy"])
    sns.subscribe(
        TopicArn=properties["TopicArn"], Protocol="sqs", Endpoint=properties["Endpoint"], Attributes=attributes
    )


def _queue_attributes(properties: dict[str, Any], deployment: LocalDeployment) -> "dict[QueueAttributeNameType, str]":
    """What SQS itself enforces: the redrive policy (maxReceiveCount), visibility and retention."""
    names: tuple[QueueAttributeNameType, ...] = ("VisibilityTimeout", "MessageRetentionPeriod")
    attributes: dict[QueueAttributeNameType, str] = {
        name: str(properties[name]) for name in names if name in properties
    }
    if policy := properties.get("RedrivePolicy"):
        target = deployment.resolve(policy["deadLetterTargetArn"])
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": target, "maxReceiveCount": int(policy["maxReceiveCount"])}
        )
    return attributes


def publish_outputs(cloudformation: "CloudFormationClient", stack_name: str, deployment: LocalDeployment) -> None:
    """A stack of that name on moto's CloudFormation whose DescribeStacks answers the resolved outputs,
    so the operator CLI finds everything by stack name as it does in AWS."""
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {key: {"Value": value} for key, value in deployment.outputs.items()},
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not supported by moto's CloudFormation.*")
        cloudformation.create_stack(StackName=stack_name, TemplateBody=json.dumps(template))

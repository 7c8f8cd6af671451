"""Creates the synthesized template's table, topics and queues on a local AWS, and resolves each
function's environment, so the demo runs what deploys."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient

_TABLE_PROPERTIES: Final = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode")


class TemplateError(ValueError):
    """The template holds something this local deployment cannot reproduce."""


@dataclass
class LocalDeployment:
    refs: dict[str, str] = field(default_factory=dict)  # logical id -> what Ref resolves to
    arns: dict[str, str] = field(default_factory=dict)  # logical id -> Fn::GetAtt Arn
    environments: dict[str, dict[str, str]] = field(default_factory=dict)  # handler -> variables
    tables: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)

    def resolve(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Ref" in value and value["Ref"] in self.refs:
            return self.refs[value["Ref"]]
        if isinstance(value, dict) and "Fn::GetAtt" in value and value["Fn::GetAtt"][0] in self.arns:
            return self.arns[value["Fn::GetAtt"][0]]
        raise TemplateError(f"cannot resolve {value!r} locally")


def deploy(template: dict[str, Any], dynamodb: "DynamoDBClient", sns: "SNSClient", sqs: "SQSClient") -> LocalDeployment:
    deployment = LocalDeployment()
    resources = template["Resources"]
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
                url = sqs.create_queue(QueueName=logical_id)["QueueUrl"]
                deployment.refs[logical_id] = url
                attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
                deployment.arns[logical_id] = attributes["QueueArn"]
    for resource in resources.values():
        if resource["Type"] == "AWS::Lambda::Function":
            properties = resource["Properties"]
            variables = properties.get("Environment", {}).get("Variables", {})
            deployment.environments[properties["Handler"]] = {k: deployment.resolve(v) for k, v in variables.items()}
    return deployment

"""The operator's view of a local deployment: the stack's outputs on moto's CloudFormation, the event
rule, key, policies and alarms, a session whose SQS has dead-letter redrive and whose EventBridge
answers TestEventPattern, and the functions' real handlers behind the invoker port."""

from dataclasses import dataclass
from typing import Any

import boto3

from local.cloudformation import LocalDeployment, deploy, publish_outputs
from local.event_delivery import deploy_event_delivery, install_test_event_pattern
from local.functions import LocalInvoker
from local.message_move_tasks import MessageMoveTasks


@dataclass(frozen=True)
class LocalOperator:
    deployment: LocalDeployment
    session: boto3.Session  # what `invitation-sync` runs with: main(argv, session=..., invoker=...)
    invoker: LocalInvoker


def deploy_for_operator(template: dict[str, Any], stack_name: str = "InvitationSync") -> LocalOperator:
    """Inside a local AWS (moto in-process or its server through AWS_ENDPOINT_URL)."""
    deployment = deploy(template, boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs"))
    deploy_event_delivery(template, deployment, stack_name)
    publish_outputs(boto3.client("cloudformation"), stack_name, deployment)
    session = boto3.Session(region_name="us-east-1")
    MessageMoveTasks().install(session)
    install_test_event_pattern(session)
    return LocalOperator(deployment, session, LocalInvoker(deployment.functions))

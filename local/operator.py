"""The operator's view of a local deployment: the stack's outputs on moto's CloudFormation, a session
whose SQS has dead-letter redrive, and the functions' real handlers behind the invoker port."""

from dataclasses import dataclass
from typing import Any

import boto3

from local.cloudformation import LocalDeployment, deploy, publish_outputs
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
    publish_outputs(boto3.client("cloudformation"), stack_name, deployment)
    session = boto3.Session(region_name="us-east-1")
    MessageMoveTasks().install(session)
    return LocalOperator(deployment, session, LocalInvoker(deployment.functions))

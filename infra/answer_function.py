"""The answer function: accepts or rejects one invitation in Partner Central when invoked (the CLI, chat
buttons, any principal allowed lambda:InvokeFunction on it). The only role with Partner Central's write
actions, limited to the configured catalogs."""

from aws_cdk import Duration
from constructs import Construct

from infra.acknowledgements import acknowledge
from infra.function import FunctionWiring, InvitationFunction
from invitation_sync.adapters.table_design import WRITE_SLOT_PARTITION
from invitation_sync.budgets import ANSWER_TIMEOUT_SECONDS

# The timeout leaves room for the stored item, the claim, a write at its worst until its last record
# (budgets.answer_write_worst_case, about 380 s) and the handler's reserve of one call, and stays shorter than
# the answer's lease (budgets.ANSWER_LEASE_SECONDS): tests/infra checks both. A caller waits for the result:
# its client's read timeout must be longer.
MEMORY_MB = 256
TIMEOUT = Duration.seconds(ANSWER_TIMEOUT_SECONDS)
READ_RATE = 1.0  # Partner Central reads per second of one answer (Get, the task's List): a few per answer

WRITE_ACTIONS = (
    "partnercentral:StartEngagementByAcceptingInvitationTask",
    "partnercentral:AcceptEngagementInvitation",
    "partnercentral:RejectEngagementInvitation",
)


class AnswerFunction(InvitationFunction):
    def __init__(self, scope: Construct, construct_id: str, wiring: FunctionWiring) -> None:
        settings = wiring.settings
        super().__init__(
            scope,
            construct_id,
            wiring,
            handler="invitation_sync.handlers.answer_handler.lambda_handler",
            description="invitation-sync: accept or reject an invitation in Partner Central, exactly once",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            environment={
                "PARTNER_CENTRAL_RATE_CAP": str(READ_RATE),
                "PARTNER_CENTRAL_WRITE_RATE": str(settings.partner_central_write_rate),
            },
        )
        self.allow_partner_central(
            *WRITE_ACTIONS,
            "partnercentral:ListEngagementByAcceptingInvitationTasks",  # follows the accept task
            "partnercentral:GetEngagementInvitation",  # the answer's result, stored through the sync's path
        )
        table = wiring.table.table_arn
        self.allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [table])  # the item, its claim and audit record
        # Write slots only: PutItem could otherwise replace an invitation's whole item.
        self.allow(
            ["dynamodb:PutItem"],
            [table],
            {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [WRITE_SLOT_PARTITION]}},
        )
        self.allow_key_use("dynamodb", "sns")
        # An asynchronous invoke's result is discarded: Lambda's own retries (2 by default) would only spend
        # write quota on a repeat the caller never sees. The recorded answer makes a repeat safe either way.
        self.function.configure_async_invoke(retry_attempts=0)
        self.retried_by_its_caller()

    def retried_by_its_caller(self) -> None:
        """Invoked synchronously: Lambda retries nothing and there is no event to park; the caller has the
        result (or the error) and asks again, which resumes the recorded answer."""
        reason = (
            "Invoked synchronously (RequestResponse): the caller gets the result or the error and asks again, "
            "which resumes the answer recorded on the invitation's item; no event to park or redrive."
        )
        acknowledge(self.function, "Serverless-LambdaDLQ", reason)
        acknowledge(self.function, "Serverless-LambdaAsyncFailureDestination", reason)

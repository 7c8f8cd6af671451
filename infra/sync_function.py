"""The sync function: one Partner Central event in, one conditional write and one publish out."""

from aws_cdk import Duration
from constructs import Construct

from infra.function import FunctionWiring, InvitationFunction

# 256 MB: pydantic-core and botocore import in well under a second at this CPU share, and the
# function holds one invitation at a time. 60 s covers Partner Central's retries (6 attempts,
# 3 s connect + 10 s read) with room for the write and the publish.
MEMORY_MB = 256
TIMEOUT = Duration.seconds(60)


class SyncFunction(InvitationFunction):
    def __init__(self, scope: Construct, construct_id: str, wiring: FunctionWiring) -> None:
        # Reserved concurrency bounds the event path's share of the 10 requests/second Partner
        # Central read quota: each execution makes one Get per invocation of >= ~150 ms, so the
        # default of 1 stays near 5-6 Gets/s in a burst, leaving room for the reconciler's cap.
        super().__init__(
            scope,
            construct_id,
            wiring,
            handler="invitation_sync.handlers.sync_handler.lambda_handler",
            description="invitation-sync: sync one Partner Central invitation event",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            reserved_concurrency=wiring.settings.reserved_concurrency,
        )
        self.allow_partner_central("partnercentral:GetEngagementInvitation")
        self.allow(["dynamodb:GetItem", "dynamodb:UpdateItem"], [wiring.table.table_arn])

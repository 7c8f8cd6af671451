"""The reconciler: one function, two schedules (hourly incremental, weekly full sweep), one run at a time
by a lock item in the table, paced below the shared Partner Central quota."""

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.acknowledgements import acknowledge
from infra.function import FunctionWiring, InvitationFunction
from invitation_sync.adapters.table_design import BY_STATUS, BY_SUMMARY_MISSING, RECONCILER_PARTITION

# 15 minutes, Lambda's maximum: a run stops starting work when a step's worst case no longer fits
# (budgets.py), progress stored. 512 MB: a page of 100 summaries and their stored items are held at
# once, and the extra CPU shortens each run.
MEMORY_MB = 512
TIMEOUT = Duration.minutes(15)
# A scheduled event older than this is pointless: the next one is on its way.
SCHEDULE_EVENT_AGE = Duration.hours(1)


class Reconciler(InvitationFunction):
    def __init__(self, scope: Construct, construct_id: str, wiring: FunctionWiring) -> None:
        settings = wiring.settings
        super().__init__(
            scope,
            construct_id,
            wiring,
            handler="invitation_sync.handlers.reconcile_handler.lambda_handler",
            description="invitation-sync: converge the table to Partner Central (missed events, backfill)",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            environment={
                "RECONCILE_PARTICIPANT_TYPES": ",".join(settings.participant_types),
                "PARTNER_CENTRAL_RATE_CAP": str(settings.partner_central_rate_cap),
            },
        )
        # No reserved concurrency (a new account cannot deploy any): the lock item keeps runs of every mode
        # from overlapping instead.
        self.retried_by_its_schedule(
            SCHEDULE_EVENT_AGE,
            "The reconciler's input is a schedule tick, not data: a failed run has nothing to park or redrive "
            "(the failed-events queue holds invitation events only). The next scheduled run resumes from the "
            "state items, and the ReconcilerErrors alarm fires.",
        )
        self.allow_key_use("dynamodb", "sns")
        self.allow_partner_central("partnercentral:ListEngagementInvitations", "partnercentral:GetEngagementInvitation")
        table = wiring.table.table_arn
        self.allow(["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"], [table])
        # Its state and lock items only: PutItem and DeleteItem never touch an invitation.
        self.allow(
            ["dynamodb:PutItem", "dynamodb:DeleteItem"],
            [table],
            {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [RECONCILER_PARTITION]}},
        )
        # Stored PENDING invitations, and those waiting for a List summary.
        self.allow(["dynamodb:Query"], [f"{table}/index/{index.name}" for index in (BY_STATUS, BY_SUMMARY_MISSING)])
        self.schedules = {
            mode: self._schedule(mode, expression)
            for mode, expression in (
                ("incremental", settings.reconcile_schedule),
                ("full", settings.full_sweep_schedule),
            )
        }

    def _schedule(self, mode: str, expression: str) -> events.Rule:
        rule = events.Rule(
            self,
            "Schedule" if mode == "incremental" else "FullSweepSchedule",  # the first keeps its logical id
            description=f"invitation-sync: {mode} reconcile run",
            schedule=events.Schedule.expression(expression),
        )
        acknowledge(
            rule,
            "Serverless-EventBusDLQ",
            "A schedule tick that EventBridge cannot deliver is replaced by the next one within the hour; a "
            "dead-lettered tick could not be redriven as an invitation event.",
        )
        rule.add_target(
            targets.LambdaFunction(
                self.function,
                event=events.RuleTargetInput.from_object({"mode": mode}),
                retry_attempts=2,  # EventBridge's delivery to Lambda's async queue, not the run itself
                max_event_age=SCHEDULE_EVENT_AGE,
            )
        )
        return rule

"""The expiry-reminder check: a schedule and a function that reads PENDING invitations by expiry
from the table's index and publishes `invitation.expiring`. No Partner Central permission."""

from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.acknowledgements import acknowledge
from infra.function import FunctionWiring, InvitationFunction
from invitation_sync.adapters.table_design import BY_STATUS_EXPIRATION

# A reminder is due at most one period before the next run finds it; a run publishes within its
# timeout, and a refused or failed attempt waits one more period: 2 x 5 + 4.5 = 14.5 minutes late at
# worst, inside the promised 15 (tests/infra derive it from these values). The timeout leaves room for
# one reminder at its worst (SECONDS_PER_REMINDER) and half as much again.
SCHEDULE_PERIOD: Final = Duration.minutes(5)
TIMEOUT: Final = Duration.seconds(270)
MEMORY_MB: Final = 256
LATEST_REMINDER: Final = Duration.minutes(15)


class ExpiryReminderFunction(InvitationFunction):
    def __init__(self, scope: Construct, construct_id: str, wiring: FunctionWiring) -> None:
        settings = wiring.settings
        super().__init__(
            scope,
            construct_id,
            wiring,
            handler="invitation_sync.handlers.reminder_handler.lambda_handler",
            description="invitation-sync: publish invitation.expiring before PENDING invitations expire",
            memory_size=MEMORY_MB,
            timeout=TIMEOUT,
            environment={"EXPIRY_REMINDER_HOURS": ",".join(str(hours) for hours in settings.expiry_reminders)},
        )
        # sns:Publish on the event topic comes with every InvitationFunction; no Partner Central at all.
        table = wiring.table
        self.allow(["dynamodb:Query"], [f"{table.table_arn}/index/{BY_STATUS_EXPIRATION.name}"])
        self.allow(["dynamodb:UpdateItem"], [table.table_arn])
        self.allow_key_use("dynamodb", "sns")
        self.schedule = events.Rule(
            self,
            "Schedule",
            description="invitation-sync: expiry reminder check",
            schedule=events.Schedule.rate(SCHEDULE_PERIOD),
        )
        # No retries: the next run, one period later, is the retry (and finishes any recorded reminder).
        self.schedule.add_target(targets.LambdaFunction(self.function, retry_attempts=0, max_event_age=SCHEDULE_PERIOD))
        self.retried_by_its_schedule(
            SCHEDULE_PERIOD,
            "A failed reminder check is no invitation event: nothing to park or redrive. The next check, one "
            "period later, repeats it (recorded reminders included) and RemindersErrors alarms.",
        )
        acknowledge(
            self.schedule,
            "Serverless-EventBusDLQ",
            "A missed reminder check is no invitation event: the failed-events queue holds those only (it is "
            "redriven into the sync). The next scheduled check, 5 minutes later, is the retry, and finishes "
            "any reminder a failed run recorded; RemindersErrors alarms on failed runs.",
        )

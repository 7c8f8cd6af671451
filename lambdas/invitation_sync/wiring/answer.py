"""The answer function's services."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

from aws_lambda_powertools.metrics import MetricUnit

from invitation_sync.adapters.answer_store import AnswerStore
from invitation_sync.adapters.aws import dynamodb_client, partner_central_client, partner_central_writer, sns_client
from invitation_sync.adapters.partner_central import PartnerCentralInvitations
from invitation_sync.adapters.partner_central_answers import PartnerCentralAnswers
from invitation_sync.adapters.publisher import InvitationEventPublisher
from invitation_sync.adapters.store import InvitationStore
from invitation_sync.adapters.write_slots import WriteSlots
from invitation_sync.answer import InvitationAnswers
from invitation_sync.budgets import WRITE_SLOT_WAIT_SECONDS
from invitation_sync.observability import PARTNER_CENTRAL_THROTTLED, metrics
from invitation_sync.rate_limit import RateLimiter
from invitation_sync.settings import AnswerSettings
from invitation_sync.sync import InvitationSync


def _count_throttle() -> None:
    metrics.add_metric(name=PARTNER_CENTRAL_THROTTLED, unit=MetricUnit.Count, value=1)


def build_answers(
    settings: AnswerSettings, *, clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep
) -> InvitationAnswers:
    """Reads (Get, the task's List) on a paced client with botocore's retries; writes on a client without
    them, each attempt after a write slot. `clock`: wall-clock epoch seconds (tests move it)."""
    dynamodb = dynamodb_client()
    reader = partner_central_client()
    limiter = RateLimiter(settings.rate_cap)
    limiter.install(reader)
    invitations = PartnerCentralInvitations(reader, on_throttle=_count_throttle)
    slots = WriteSlots(
        dynamodb,
        settings.table_name,
        settings.write_rate,
        longest_wait=WRITE_SLOT_WAIT_SECONDS,
        clock=clock,
        sleep=sleep,
    )
    store = InvitationStore(dynamodb, settings.table_name)
    publisher = InvitationEventPublisher(sns_client(), settings.topic_arn)
    catalogs = frozenset(settings.catalogs)

    def now() -> datetime:
        return datetime.fromtimestamp(clock(), UTC)

    return InvitationAnswers(
        store=store,
        answers=AnswerStore(dynamodb, settings.table_name),
        invitations=invitations,
        partner_central=PartnerCentralAnswers(partner_central_writer(), reader, slots),
        sync=InvitationSync(invitations, store, publisher, catalogs, clock=now, sleep=sleep),
        publisher=publisher,
        catalogs=catalogs,
        read_pacing=limiter.longest_wait,
        clock=now,
        sleep=sleep,
    )


@cache
def answer_services() -> InvitationAnswers:
    return build_answers(AnswerSettings.from_environment())

"""Environment the stack gives each function, validated once at cold start."""

import os
from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from invitation_sync.domain import Catalog, ParticipantType
from invitation_sync.models.base import describe


class FunctionSettings(BaseModel):
    # Built when first validated: each function builds only its own settings (at init), not all of them.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Self:
        try:
            return cls.model_validate(dict(environ))
        except ValidationError as error:
            raise RuntimeError(f"invalid function environment: {describe(error)}") from error


class SyncSettings(FunctionSettings):
    table_name: Annotated[str, Field(alias="INVITATIONS_TABLE_NAME", min_length=3, max_length=255)]
    topic_arn: Annotated[str, Field(alias="INVITATION_EVENTS_TOPIC_ARN", pattern=r"^arn:aws[a-z-]*:sns:")]
    catalogs: Annotated[frozenset[Catalog], Field(alias="SYNC_CATALOGS", min_length=1)]
    # Partner Central requests/second of one execution environment, retries included (see rate_limit.py).
    rate_cap: Annotated[float, Field(alias="PARTNER_CENTRAL_RATE_CAP", gt=0, lt=10)] = 5.0

    @field_validator("catalogs", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value


class EventSyncSettings(SyncSettings):
    """The sync function's: it parks events, and sets each failed record's retry delay on its event queue."""

    failed_events_queue_url: Annotated[str, Field(alias="FAILED_EVENTS_QUEUE_URL", min_length=1)]
    # On in every deployment (the event path's rate guarantee needs it); local runs of the test suite turn
    # it off so hundreds of short invocations do not each wait out their rate window.
    hold_rate_window: Annotated[bool, Field(alias="PARTNER_CENTRAL_HOLD_RATE_WINDOW")] = True
    event_queue_url: Annotated[str, Field(alias="INVITATION_EVENTS_QUEUE_URL", min_length=1)]


class ReconcileSettings(SyncSettings):
    participant_types: Annotated[frozenset[ParticipantType], Field(alias="RECONCILE_PARTICIPANT_TYPES", min_length=1)]

    @field_validator("participant_types", mode="before")
    @classmethod
    def _split_types(cls, value: object) -> object:
        return cls._split(value)


class ReminderSettings(SyncSettings):
    reminder_hours: Annotated[
        frozenset[Annotated[int, Field(ge=1)]], Field(alias="EXPIRY_REMINDER_HOURS", min_length=1)
    ]

    @field_validator("reminder_hours", mode="before")
    @classmethod
    def _split_hours(cls, value: object) -> object:
        return cls._split(value)


class AnswerSettings(SyncSettings):
    """The answer function's: Partner Central's write quota, shared by every invocation (write_slots.py)."""

    write_rate: Annotated[float, Field(alias="PARTNER_CENTRAL_WRITE_RATE", gt=0, le=10)] = 1.0


class ChatSettings(FunctionSettings):
    """The chat notifier's: where messages go, where parked ones wait, and whether they carry buttons."""

    chat_topic_arn: Annotated[str, Field(alias="CHAT_TOPIC_ARN", pattern=r"^arn:aws[a-z-]*:sns:")]
    failed_notifications_queue_url: Annotated[str, Field(alias="FAILED_NOTIFICATIONS_QUEUE_URL", min_length=1)]
    # `{catalog}` and `{invitationId}` are filled in: the invitation's page in the Partner Central console.
    invitation_link: Annotated[str, Field(alias="INVITATION_LINK_TEMPLATE", pattern=r"^https://\S+$")]
    # Set when the answer function is deployed: PENDING invitations' messages then carry Accept and Reject.
    # Its ARN, not its name: the buttons' command then reaches it in its own region whatever the channel's.
    answer_function_arn: Annotated[
        str | None, Field(alias="ANSWER_FUNCTION_ARN", pattern=r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:")
    ] = None

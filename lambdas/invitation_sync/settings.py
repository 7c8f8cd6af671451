"""Environment the stack gives each function, validated once at cold start."""

import os
from collections.abc import Mapping
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from invitation_sync.domain import Catalog, ParticipantType
from invitation_sync.models.base import describe


class SyncSettings(BaseModel):
    # Built when first validated: each function builds only its own settings (at init), not all four.
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    table_name: Annotated[str, Field(alias="INVITATIONS_TABLE_NAME", min_length=3, max_length=255)]
    topic_arn: Annotated[str, Field(alias="INVITATION_EVENTS_TOPIC_ARN", pattern=r"^arn:aws[a-z-]*:sns:")]
    catalogs: Annotated[frozenset[Catalog], Field(alias="SYNC_CATALOGS", min_length=1)]
    # Partner Central requests/second of one execution environment, retries included (see rate_limit.py).
    rate_cap: Annotated[float, Field(alias="PARTNER_CENTRAL_RATE_CAP", gt=0, lt=10)] = 5.0

    @field_validator("catalogs", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Self:
        try:
            return cls.model_validate(dict(environ))
        except ValidationError as error:
            raise RuntimeError(f"invalid function environment: {describe(error)}") from error


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

"""What one reconciler invocation is asked to do: the schedules' and the operator CLI's payload."""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from invitation_sync.domain import Catalog, ParticipantType
from invitation_sync.models.base import describe

ReconcileMode = Literal["incremental", "full", "backfill"]
SCHEDULED_MODES: tuple[ReconcileMode, ...] = ("incremental", "full")


class InvalidReconcileRequestError(ValueError):
    """The invocation payload is wrong; the message names the field and the rule."""


class ReconcileRequest(BaseModel):
    """`{"mode": "incremental"}` hourly, `{"mode": "full"}` weekly, `{"mode": "backfill", ...}` from the CLI.

    An event without `mode` (a schedule from before modes existed) is an incremental run. `catalogs` and
    `participantTypes` default to the configured ones; `restart` drops the backfill cursor; `maxSeconds`
    makes the invocation return early, cursor stored, so a caller can show progress and call again."""

    # A misspelt `dryRun` must not start a real backfill: unknown members are refused.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    mode: ReconcileMode = "incremental"
    dry_run: bool = Field(False, alias="dryRun")
    catalogs: Annotated[list[Catalog] | None, Field(min_length=1)] = None
    participant_types: Annotated[list[ParticipantType] | None, Field(alias="participantTypes", min_length=1)] = None
    restart: bool = False
    max_seconds: Annotated[float | None, Field(alias="maxSeconds", gt=0, le=900)] = None

    @classmethod
    def from_event(cls, event: object) -> Self:
        """Scheduled rules send their constant input; anything else without `mode` (an EventBridge
        scheduled event) is the default run."""
        if not isinstance(event, dict):
            raise InvalidReconcileRequestError("invalid reconcile request: the payload must be a JSON object")
        payload = {} if event.get("source") == "aws.events" else event
        try:
            return cls.model_validate(payload)
        except ValidationError as error:
            raise InvalidReconcileRequestError(f"invalid reconcile request: {describe(error)}") from None

"""Deployer settings: cdk.json context values (or `-c key=value`), validated at synth.

A setting is one field of StackSettings (its alias is the context key, its default the cdk.json value):
the known keys, the typo check and the list parsing all follow from the fields.
"""

import difflib
import json
from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal, Self, get_origin

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from invitation_sync.domain import Catalog, ParticipantType
from invitation_sync.models.base import describe
from invitation_sync.rate_limit import burst

PARTNER_CENTRAL_REGION: Final = "us-east-1"
INVITATION_LIFETIME_HOURS: Final = 15 * 24
PARTNER_CENTRAL_READ_QUOTA: Final = 10  # requests/second, shared by every integration of the partner
SCHEDULE_EXPRESSION: Final = r"^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$"  # EventBridge's
# CDK's own context: feature flags (`@aws-cdk/...`), keys the CLI and the app set (`aws:cdk:...`), cached
# lookups (`availability-zones:account=...`) and the CLI's own top-level keys. Ours are camelCase words.
CDK_KEY_MARKS: Final = ("@", ":")
CDK_KEY_PREFIXES: Final = ("cdk-",)
CDK_KEYS: Final = frozenset({"acknowledged-issue-numbers", "cli-telemetry"})
LOG_RETENTION_DAYS: Final = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)


class InvalidSettingsError(ValueError):
    """A context value is wrong; the message names the key and the rule."""


UUID: Final = r"^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$"  # Teams team and tenant ids
CHANNEL_LABEL: Final = r"^[A-Za-z0-9_-]{1,16}$"  # named in each button's command: it holds 100 characters
DEFAULT_INVITATION_LINK: Final = (
    "https://partnercentral.awspartner.com/partnercentral2/s/engagement-invitation?catalog={catalog}&id={invitationId}"
)


class _ChatChannel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    channel_id: str
    # The answer requests name the channel by this (requestedBy): default slack-<channelId> or teams-<n>.
    name: str | None = Field(None, pattern=CHANNEL_LABEL)


class SlackChannel(_ChatChannel):
    """Ids as AWS::Chatbot::SlackChannelConfiguration documents them (SlackWorkspaceId, SlackChannelId)."""

    workspace_id: str = Field(alias="workspaceId", pattern=r"^[0-9A-Z]{1,255}$")
    channel_id: str = Field(alias="channelId", pattern=r"^[A-Za-z0-9]{1,256}$")


class TeamsChannel(_ChatChannel):
    """Ids as AWS::Chatbot::MicrosoftTeamsChannelConfiguration documents them (TeamId, TeamsChannelId,
    TeamsTenantId): the channel id URL-encoded, as the Teams channel link shows it."""

    team_id: str = Field(alias="teamId", pattern=UUID)
    channel_id: str = Field(
        alias="channelId",
        max_length=256,
        pattern=r"^([a-zA-Z0-9-_=+/.,])*%3[aA]([a-zA-Z0-9-_=+/.,])*%40([a-zA-Z0-9-_=+/.,])*$",
    )
    tenant_id: str = Field(alias="tenantId", pattern=UUID)


class ChatSettings(BaseModel):
    """The `chat` setting: the channels that get invitation messages (and, with answers, the buttons)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    slack: list[SlackChannel] = []
    teams: list[TeamsChannel] = []
    updates: bool = False  # invitation.updated too: off, most updates are not worth a message
    invitation_link: str = Field(DEFAULT_INVITATION_LINK, alias="invitationLink", pattern=r"^https://\S+$")

    @model_validator(mode="after")
    def _channels(self) -> Self:
        if not (self.slack or self.teams):
            raise ValueError("name at least one Slack or Teams channel, or leave chat out")
        names = [name for name, _ in self.channels()]
        if len(set(names)) != len(names):
            raise ValueError(f"each channel name once: {names}")
        return self

    def channels(self) -> list[tuple[str, SlackChannel | TeamsChannel]]:
        """(name, channel) in setting order: the name is the channel's configuration and requestedBy label."""
        slack = [
            (channel.name or _fitting(f"slack-{channel.channel_id}", f"slack-{n}"), channel)
            for n, channel in enumerate(self.slack, 1)
        ]
        teams = [(channel.name or f"teams-{n}", channel) for n, channel in enumerate(self.teams, 1)]
        return [*slack, *teams]


def _fitting(name: str, fallback: str) -> str:
    return name if len(name) <= 16 else fallback


class StackSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    region: str = PARTNER_CENTRAL_REGION
    catalogs: Annotated[list[Catalog], Field(min_length=1)] = ["AWS"]
    participant_types: Annotated[list[ParticipantType], Field(alias="participantTypes", min_length=1)] = [
        "RECEIVER",
        "SENDER",
    ]
    # Not WARN or ERROR: Lambda's log-level filter counts a line without a level as INFO, and the EMF lines
    # that carry every metric the alarms read have none, so those alarms would never fire.
    log_level: Literal["DEBUG", "INFO"] = Field("INFO", alias="logLevel")
    log_retention_days: int = Field(90, alias="logRetentionDays")
    # The event path's worst-case Partner Central rate: event_path_rate.
    event_max_concurrency: int = Field(2, alias="eventMaxConcurrency", ge=2, le=1000)  # ESM's own bounds
    event_rate_per_execution: float = Field(1.0, alias="eventRatePerExecution", gt=0, le=PARTNER_CENTRAL_READ_QUOTA - 1)
    partner_central_rate_cap: float = Field(5.0, alias="partnerCentralRateCap", gt=0, le=PARTNER_CENTRAL_READ_QUOTA - 1)
    alarm_email: str | None = Field(None, alias="alarmEmail", pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    reconcile_schedule: str = Field("rate(1 hour)", alias="reconcileSchedule", pattern=SCHEDULE_EXPRESSION)
    full_sweep_schedule: str = Field("rate(7 days)", alias="fullSweepSchedule", pattern=SCHEDULE_EXPRESSION)
    removal_policy: Literal["retain", "destroy"] = Field("retain", alias="removalPolicy")
    # Hours before expirationDate at which a PENDING invitation gets an invitation.expiring event;
    # [] deploys no reminder function. An invitation is answerable for 15 days (360 hours).
    expiry_reminders: list[Annotated[int, Field(ge=1, le=INVITATION_LIFETIME_HOURS)]] = Field(
        [72, 24], alias="expiryReminders"
    )
    # The answer function (accept/reject); false deploys no function and no Partner Central write permission.
    answers: bool = True
    # Partner Central write calls per second for every answer together; its quota is 1/s for all integrations.
    partner_central_write_rate: float = Field(1.0, alias="partnerCentralWriteRate", gt=0, le=10)
    # Off by default: the X-Ray SDK behind Powertools' Tracer adds ~0.1x to every cold start (docs/performance.md).
    tracing: bool = False
    # Other AWS accounts whose principals may subscribe to the events topic themselves (a CRM team's own
    # account). Accounts by id, not an organization: the events carry contact and customer data.
    subscriber_accounts: list[Annotated[str, Field(pattern=r"^\d{12}$")]] = Field([], alias="subscriberAccounts")
    # Slack and Teams channels for invitation messages (Amazon Q Developer in chat applications); absent:
    # nothing chat-related is deployed.
    chat: ChatSettings | None = None

    @field_validator("chat", mode="before")
    @classmethod
    def _json_object(cls, value: Any) -> Any:
        """`-c 'chat={"slack": [...]}'` arrives as text."""
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("*", mode="before")
    @classmethod
    def _list(cls, value: Any, info: ValidationInfo) -> Any:
        """For every list setting, `-c catalogs=AWS,Sandbox` and `-c 'catalogs=["AWS"]'` both work."""
        if (
            info.field_name
            and get_origin(cls.model_fields[info.field_name].annotation) is list
            and isinstance(value, str)
        ):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else [part.strip() for part in text.split(",") if part]
        return value

    @field_validator("expiry_reminders")
    @classmethod
    def _distinct(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError(f"each threshold once: {value} repeats one")
        return sorted(value, reverse=True)

    @field_validator("region")
    @classmethod
    def _partner_central_region(cls, value: str) -> str:
        if value != PARTNER_CENTRAL_REGION:
            raise ValueError(
                f"{value} is not supported: Partner Central delivers its events only to the default bus in "
                f"{PARTNER_CENTRAL_REGION} and its API exists only there; deploy the stack to {PARTNER_CENTRAL_REGION}"
            )
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of CloudWatch Logs' retention periods: {sorted(LOG_RETENTION_DAYS)}")
        return value

    @model_validator(mode="after")
    def _within_the_read_quota(self) -> Self:
        event_path = self.event_path_rate
        if event_path + self.partner_central_rate_cap > PARTNER_CENTRAL_READ_QUOTA - 1:
            raise ValueError(
                f"the event path's worst case, 2 x eventMaxConcurrency x floor(eventRatePerExecution) "
                f"({event_path:g}/s: two bursts per slot), + partnerCentralRateCap "
                f"({self.partner_central_rate_cap:g}/s) exceeds {PARTNER_CENTRAL_READ_QUOTA - 1} requests/second: "
                f"Partner Central's read quota is "
                f"{PARTNER_CENTRAL_READ_QUOTA}/s for all integrations together"
            )
        return self

    @property
    def event_path_rate(self) -> float:
        """The event path's worst case, Partner Central requests in any one second: two bursts of the per-execution
        limiter per slot of the mapping. One is the slot's own; the other is the last window of an invocation
        killed before its hold (timeout, memory), or a replaced mapping's slot still running beside the new one
        (docs/limits.md)."""
        return 2 * self.event_max_concurrency * burst(self.event_rate_per_execution)

    @classmethod
    def from_context(cls, context: Mapping[str, Any]) -> "StackSettings":
        """From the app's whole context: a key that is neither ours nor CDK's is a typo, refused by name."""
        unknown = sorted(key for key in context if key not in CONTEXT_KEYS and not _cdk_key(key))
        if unknown:
            raise InvalidSettingsError("; ".join(_unknown(key) for key in unknown))
        given = {key: value for key, value in context.items() if key in CONTEXT_KEYS and value is not None}
        try:
            return cls.model_validate(given)
        except ValidationError as error:
            raise InvalidSettingsError(
                f"invalid invitation-sync setting in cdk.json context: {describe(error)}"
            ) from error


CONTEXT_KEYS: Final = frozenset((field.alias or name) for name, field in StackSettings.model_fields.items())


def _cdk_key(key: str) -> bool:
    return any(mark in key for mark in CDK_KEY_MARKS) or key.startswith(CDK_KEY_PREFIXES) or key in CDK_KEYS


def _unknown(key: str) -> str:
    closest = difflib.get_close_matches(key, CONTEXT_KEYS, n=1)
    hint = f"did you mean {closest[0]!r}?" if closest else f"the settings are {', '.join(sorted(CONTEXT_KEYS))}"
    return f"unknown invitation-sync setting {key!r} in cdk.json context (or -c): {hint}"

"""A custom notification for Amazon Q Developer in chat applications (formerly AWS Chatbot).

The format is AWS's "Event schema" at
https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html: `version` must be "1.0",
`source` must be "custom", `textType` is only ever "client-markdown"; a message in any other shape
(plain text included) is dropped by the service without a word, so every notification is built
through this model and tested against its committed JSON Schema.

The length limits are ours, not AWS's (the page states none per field): short enough that a chat
client shows a message whole (Slack caps a header at 150 characters and a text section at 3,000),
and the whole message a few KB against SNS's 256 KB. Builders shorten with an ellipsis
(`shorten`) to stay within them.
"""

from typing import Annotated, Final, Literal

from pydantic import ConfigDict, Field, StringConstraints

from invitation_sync.models.base import CamelModel

TITLE_MAX: Final = 150
DESCRIPTION_MAX: Final = 3000
SUMMARY_MAX: Final = 300
LINE_MAX: Final = 300  # one next step
KEYWORD_MAX: Final = 50
NEXT_STEPS_MAX: Final = 5
KEYWORDS_MAX: Final = 5
CONTEXT_VALUE_MAX: Final = 500
ELLIPSIS: Final = "…"

Line = Annotated[str, StringConstraints(min_length=1, max_length=LINE_MAX)]
Keyword = Annotated[str, StringConstraints(min_length=1, max_length=KEYWORD_MAX)]


def shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut to fit with an ellipsis at the end."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


class _Strict(CamelModel):
    """Nothing beyond AWS's format goes out: an unknown member is an error here, not in the channel."""

    model_config = ConfigDict(extra="forbid")


class NotificationContent(_Strict):
    """What the channel shows: a title, the body, a bulleted list of next steps, keyword tags."""

    text_type: Literal["client-markdown"] = Field(
        "client-markdown", description="The only textType AWS supports: rendered in the chat client's own markdown."
    )
    title: Annotated[str, StringConstraints(min_length=1, max_length=TITLE_MAX)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=DESCRIPTION_MAX)]
    next_steps: Annotated[list[Line], Field(default_factory=list, max_length=NEXT_STEPS_MAX)]
    keywords: Annotated[list[Keyword], Field(default_factory=list, max_length=KEYWORDS_MAX)]


class NotificationMetadata(_Strict):
    """How the service files the message: its thread, type and the values custom actions read."""

    thread_id: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="One thread per invitation: every message about it is a reply in the same thread."
    )
    summary: Annotated[str, StringConstraints(min_length=1, max_length=SUMMARY_MAX)]
    event_type: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    related_resources: Annotated[list[str], Field(default_factory=list, max_length=5)]
    additional_context: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,100}$")],
        Annotated[str, StringConstraints(max_length=CONTEXT_VALUE_MAX)],
    ] = Field(
        default_factory=dict,
        description="String values a custom action extracts as variables (event.metadata.additionalContext.<key>).",
    )
    enable_custom_actions: bool = Field(
        False, description="Whether the channel attaches custom-action buttons to this message."
    )


class CustomNotification(_Strict):
    """One message for Amazon Q Developer in chat applications, published to the chat topic as its body."""

    model_config = ConfigDict(
        title="CustomNotification",
        json_schema_extra={
            "description": "A custom notification for Amazon Q Developer in chat applications, as AWS documents it "
            "at https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html (Event schema). "
            "Field length limits are invitation-sync's own, within what chat clients show whole."
        },
    )

    version: Literal["1.0"] = "1.0"
    source: Literal["custom"] = "custom"
    id: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="The published event's eventId: the same for every delivery of one change."
    )
    content: NotificationContent
    metadata: NotificationMetadata

"""A Partner Central Selling API emulator that speaks botocore's wire protocol (JSON 1.0 over HTTP).

moto has no partnercentral-selling. Point a client here with AWS_ENDPOINT_URL_PARTNERCENTRAL_SELLING.
Invitations are data in the shape botocore returns; every stored invitation and every answer is
validated against botocore's service model, so fixtures cannot drift from AWS.

Invitations are answered as Partner Central does (local/emulated_answers.py): only a PENDING invitation
(ConflictException otherwise), within the write quota, the task idempotent by ClientToken; the status
change is then stored like any other change (read-after-write lag included) and its EventBridge event is
queued in `events`, in the shape local/samples.py builds for the other changes.
"""

import base64
import copy
import hashlib
import json
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final, cast

import botocore.session
from botocore.model import ListShape, Shape, StringShape, StructureShape
from botocore.validate import ParamValidator

from invitation_sync.domain import INVITATION_ARN_PATTERN
from local.emulated_answers import (
    ACCEPT,
    ACCEPTED_WITH,
    CLIENT_TOKEN,
    DETAIL_TYPE_BY_STATUS,
    LIST_TASKS,
    REJECT,
    START_TASK,
    WRITE_OPERATIONS,
    Task,
    TaskScript,
    opportunity_id,
)
from local.samples import invitation_event

TARGET_PREFIX: Final = "AWSPartnerCentralSelling."
_MODEL: Final = botocore.session.get_session().get_service_model("partnercentral-selling")
_HTTP_STATUS: Final = {
    "ThrottlingException": 400,
    "ValidationException": 400,
    "AccessDeniedException": 400,
    "ResourceNotFoundException": 400,
    "InternalServerException": 500,
}
SERVED_CATALOGS: Final = ("AWS", "Sandbox")  # the model allows any letters; Partner Central serves these
SUMMARY_MEMBERS: Final = tuple(cast(StructureShape, _MODEL.shape_for("EngagementInvitationSummary")).members)
_GET_ANSWER: Final = cast(StructureShape, _MODEL.operation_model("GetEngagementInvitation").output_shape)
_REASON_CODES: Final = cast(StringShape, _MODEL.shape_for("ReasonCode")).enum


class ModelViolation(ValueError):
    """Data that botocore's model for partnercentral-selling does not allow."""


def validate_shape(data: Mapping[str, Any], shape: Shape | None, what: str) -> None:
    assert shape is not None, f"{what}: no shape in botocore's model"
    report = ParamValidator().validate(dict(data), shape)
    if report.has_errors():
        raise ModelViolation(f"{what} does not match botocore's model: {report.generate_report()}")


@dataclass(frozen=True)
class FieldViolation:
    """One entry of a ValidationException's ErrorList, in the model's words."""

    field: str
    message: str
    code: str  # a ValidationExceptionErrorCode

    def wire(self) -> dict[str, str]:
        return {"FieldName": self.field, "Message": self.message, "Code": self.code}


def request_violations(value: Any, shape: Shape, where: str = "") -> list[FieldViolation]:
    """Every constraint of the model `value` breaks: required members, types, enums, patterns, ranges and
    lengths. botocore's ParamValidator checks neither enums nor patterns nor maximums; AWS does. Patterns
    are matched against the whole value: the model writes them that way (`(?=.{1,255}$)(arn:.*|engi-...)`)."""
    checks = {
        "structure": _structure_violations,
        "list": _list_violations,
        "string": _string_violations,
        "integer": _number_violations,
        "long": _number_violations,
    }
    check = checks.get(shape.type_name)
    if check is None:
        return []  # no other member types occur in the emulated requests
    return check(value, shape, where)


def _structure_violations(value: Any, shape: Shape, where: str) -> list[FieldViolation]:
    if not isinstance(value, dict):
        return [FieldViolation(where or "request", "must be an object", "INVALID_VALUE")]
    members = cast(StructureShape, shape).members
    found = [
        FieldViolation(_join(where, name), "is required", "REQUIRED_FIELD_MISSING")
        for name in cast(StructureShape, shape).required_members
        if name not in value
    ]
    for name, member in value.items():
        if name not in members:
            found.append(FieldViolation(_join(where, name), "is not a member of this request", "INVALID_VALUE"))
        else:
            found += request_violations(member, members[name], _join(where, name))
    return found


def _list_violations(value: Any, shape: Shape, where: str) -> list[FieldViolation]:
    if not isinstance(value, list):
        return [FieldViolation(where, "must be a list", "INVALID_VALUE")]
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    found = []
    if low is not None and len(value) < low:
        found.append(FieldViolation(where, f"needs at least {low} values", "NOT_ENOUGH_VALUES"))
    if high is not None and len(value) > high:
        found.append(FieldViolation(where, f"takes at most {high} values", "TOO_MANY_VALUES"))
    member = cast(ListShape, shape).member
    for index, item in enumerate(value):
        found += request_violations(item, member, f"{where}[{index}]")
    return found


def _string_violations(value: Any, shape: Shape, where: str) -> list[FieldViolation]:
    if not isinstance(value, str):
        return [FieldViolation(where, "must be a string", "INVALID_VALUE")]
    enum, pattern = cast(StringShape, shape).enum, shape.metadata.get("pattern")
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if enum and value not in enum:
        return [FieldViolation(where, f"must be one of {', '.join(enum)}", "INVALID_ENUM_VALUE")]
    if pattern and not re.fullmatch(pattern, value):
        return [FieldViolation(where, f"must match the pattern {pattern}", "INVALID_STRING_FORMAT")]
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        return [FieldViolation(where, f"length must be within {low}..{high}", "VALUE_OUT_OF_RANGE")]
    return []


def _number_violations(value: Any, shape: Shape, where: str) -> list[FieldViolation]:
    if not isinstance(value, int) or isinstance(value, bool):
        return [FieldViolation(where, "must be an integer", "INVALID_VALUE")]
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        return [FieldViolation(where, f"must be within {low}..{high}", "VALUE_OUT_OF_RANGE")]
    return []


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _refused(*violations: FieldViolation) -> tuple[int, dict[str, Any]]:
    """ValidationException as the model declares it: Message, Reason, ErrorList."""
    message = "; ".join(f"{v.field}: {v.message}" for v in violations)
    errors = [v.wire() for v in violations]
    return _error("ValidationException", message, Reason="REQUEST_VALIDATION_FAILED", ErrorList=errors)


@dataclass(frozen=True)
class Call:
    at: float
    operation: str
    params: dict[str, Any]
    error: str | None


@dataclass
class FaultPlan:
    """Seeded random faults plus the quotas (requests/second): the shared read bucket (off unless set) and
    the write bucket, 1 per second like Partner Central's, across every write operation."""

    throttle_rate: float = 0.0
    internal_error_rate: float = 0.0
    quota_per_second: float | None = None
    write_quota_per_second: float | None = 1.0
    read_lag_seconds: float = 0.0  # after a change, Get answers the previous state this long (read-after-write lag)
    seed: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


@dataclass
class _Stored:
    response: dict[str, Any]
    participant_type: str
    inaccessible: str | None = None
    lagging: dict[str, Any] | None = None  # what Get still answers until `lagging_until`
    lagging_until: float = 0.0


class PartnerCentralEmulator:
    def __init__(
        self,
        faults: FaultPlan | None = None,
        clock: Callable[[], float] = time.monotonic,
        rejected_become: str = "ResourceNotFoundException",
    ) -> None:
        """`clock` drives quotas, read lag and tasks; `rejected_become` is what Get answers for an invitation
        rejected here ("all related data will become inaccessible", RejectEngagementInvitation's reference)."""
        self.faults = faults or FaultPlan()
        self.clock = clock
        self.rejected_become = rejected_become
        self.calls: list[Call] = []
        self.events: list[dict[str, Any]] = []  # EventBridge events of the answers, oldest first
        self.faults_injected: Counter[str] = Counter()
        self._invitations: dict[tuple[str, str], _Stored] = {}
        self._unknown_members: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self._queued: deque[tuple[str | None, str, bool]] = deque()
        self._accepted_at: deque[float] = deque()
        self._written_at: deque[float] = deque()
        self._tasks: list[Task] = []
        self._scripts: dict[tuple[str, str], deque[TaskScript]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._token_generation = 0

    # --- data -----------------------------------------------------------------------------
    def put(self, response: Mapping[str, Any], participant_type: str = "RECEIVER") -> None:
        """Store (or replace) an invitation given as a GetEngagementInvitation response."""
        validate_shape(response, _GET_ANSWER, "invitation")
        with self._lock:
            self._store(response, participant_type)

    def _store(self, response: Mapping[str, Any], participant_type: str) -> _Stored:
        key = (response["Catalog"], response["Id"])
        stored = _Stored(copy.deepcopy(dict(response)), participant_type)
        previous = self._invitations.get(key)
        if previous is not None and self.faults.read_lag_seconds > 0:
            stored.lagging = previous.response
            stored.lagging_until = self.clock() + self.faults.read_lag_seconds
            self.faults_injected["lagging read"] += 1
        self._invitations[key] = stored
        return stored

    def update(self, catalog: str, invitation_id: str, **changes: Any) -> None:
        with self._lock:
            stored = self._invitations[(catalog, invitation_id)]
            candidate = {**stored.response, **changes}
        self.put(candidate, stored.participant_type)

    def make_inaccessible(self, catalog: str, invitation_id: str, error: str = "ResourceNotFoundException") -> None:
        """From now on Get answers `error` for this invitation, as AWS does after a rejection."""
        with self._lock:
            self._invitations[(catalog, invitation_id)].inaccessible = error

    def serve_unknown_member(self, catalog: str, invitation_id: str, union: str, member: str, wire: Any) -> None:
        """From now on answer `union` (Payload or Receiver) of this invitation with `{member: wire}`, a
        member botocore's model lacks, as AWS does once it adds one. `wire` is JSON as sent (PascalCase,
        timestamps as epoch seconds). Only this member skips the model check: the union leaves the stored
        answer, everything else is validated as before; the same member appears in List summaries."""
        shape = _GET_ANSWER.members.get(union)
        if not isinstance(shape, StructureShape) or not shape.is_tagged_union:
            raise ModelViolation(f"{union} is not a union of the GetEngagementInvitation answer")
        if member in shape.members:
            raise ModelViolation(f"{union}.{member} is in botocore's model: store it with put()")
        with self._lock:
            self._invitations[(catalog, invitation_id)].response.pop(union, None)
            self._unknown_members.setdefault((catalog, invitation_id), {})[union] = {member: copy.deepcopy(wire)}

    def _with_unknown_members(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """The answer after its model check, with the members serve_unknown_member set spliced in."""
        if operation not in {"GetEngagementInvitation", "ListEngagementInvitations"}:
            return body
        listed = operation == "ListEngagementInvitations"
        answers = body.get("EngagementInvitationSummaries", []) if listed else [body]
        for answer in answers:
            for union, value in self._unknown_members.get((answer["Catalog"], answer["Id"]), {}).items():
                if not listed or union in SUMMARY_MEMBERS:
                    answer[union] = copy.deepcopy(value)
        return body

    def truth(self, catalog: str, invitation_id: str) -> dict[str, Any]:
        with self._lock:
            self._finish_due_tasks()
            return copy.deepcopy(self._invitations[(catalog, invitation_id)].response)

    def fail_next(
        self, error: str, operation: str | None = None, times: int = 1, *, after_effect: bool = False
    ) -> None:
        """Queue `times` answers of `error` for `operation` (any operation if None). `after_effect`: the
        request takes effect first and only its answer is lost, as when a connection drops after a write."""
        with self._lock:
            self._queued.extend([(operation, error, after_effect)] * times)

    def script_tasks(self, catalog: str, invitation_id: str, *scripts: TaskScript) -> None:
        """The next tasks started for this invitation run these scripts in turn; then TaskScript()."""
        for script in scripts:
            if script.reason_code is not None and script.reason_code not in _REASON_CODES:
                raise ModelViolation(f"{script.reason_code} is not a ReasonCode of botocore's model")
        with self._lock:
            self._scripts.setdefault((catalog, invitation_id), deque()).extend(scripts)

    def take_events(self) -> list[dict[str, Any]]:
        """The EventBridge events emitted since the last take, for a caller that delivers them."""
        with self._lock:
            self._finish_due_tasks()
            taken, self.events = self.events, []
            return taken

    def forget_client_tokens(self) -> None:
        """ClientToken idempotency has no documented window: from now on a Start with a token an earlier task
        took is a new request (a ConflictException while that task holds the invitation)."""
        with self._lock:
            for task in self._tasks:
                task.token_kept = False

    def tasks(self) -> list[dict[str, Any]]:
        """Every task started, as List shows it (without counting as a read)."""
        with self._lock:
            self._finish_due_tasks()
            return [task.summary() for task in self._tasks]

    def calls_to(self, operation: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.operation == operation]

    def reset(self) -> None:
        with self._lock:
            self._invitations.clear()
            self._unknown_members.clear()
            self._queued.clear()
            self.calls.clear()
            self.faults_injected.clear()
            self._accepted_at.clear()
            self._written_at.clear()
            self._tasks.clear()
            self._scripts.clear()
            self.events.clear()
            self.faults = FaultPlan()

    # --- serving --------------------------------------------------------------------------
    def start(self) -> str:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "emulator not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "PartnerCentralEmulator":
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def answer(self, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One request: (HTTP status, JSON body). Logged in `calls` with the error code, if any."""
        with self._lock:
            self._finish_due_tasks()
            status, body = self._answer_locked(operation, params)
            if status == 200 and (lost := self._queued_fault(operation, after_effect=True)):
                status, body = _error(lost, "injected fault after the request took effect")
            self.calls.append(Call(self.clock(), operation, params, body.get("__type")))
            return status, body

    def _answer_locked(self, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if fault := self._injected_fault(operation):
            return _error(fault, "injected fault")
        try:
            op_model = _MODEL.operation_model(operation)
        except Exception:
            return _error("UnknownOperationException", f"{operation} is not emulated")
        handler = {
            "GetEngagementInvitation": self._get,
            "ListEngagementInvitations": self._list,
            START_TASK: self._start_task,
            LIST_TASKS: self._list_tasks,
            ACCEPT: self._accept,
            REJECT: self._reject,
        }.get(operation)
        if handler is None or op_model.input_shape is None:
            return _error("UnknownOperationException", f"{operation} is not emulated")
        if violations := request_violations(params, op_model.input_shape):
            return _refused(*violations)
        if params["Catalog"] not in SERVED_CATALOGS:
            return _refused(FieldViolation("Catalog", f"must be one of {', '.join(SERVED_CATALOGS)}", "INVALID_VALUE"))
        status, body = handler(params)
        if status == 200 and op_model.output_shape is not None:
            validate_shape(body, op_model.output_shape, f"{operation} answer")
            body = self._with_unknown_members(operation, body)
        return status, _wire(body)

    def _queued_fault(self, operation: str, *, after_effect: bool) -> str | None:
        for index, (target, error, after) in enumerate(self._queued):
            if target in (None, operation) and after == after_effect:
                del self._queued[index]
                return self._injected("queued after effect" if after else "queued", error)
        return None

    def _injected_fault(self, operation: str) -> str | None:
        if queued := self._queued_fault(operation, after_effect=False):
            return queued
        plan, now = self.faults, self.clock()
        writing = operation in WRITE_OPERATIONS
        window, quota = (
            (self._written_at, plan.write_quota_per_second) if writing else (self._accepted_at, plan.quota_per_second)
        )
        if quota:
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= quota:
                return self._injected("write quota throttle" if writing else "quota throttle", "ThrottlingException")
        draw = plan.rng.random()
        if draw < plan.throttle_rate:
            return self._injected("throttle", "ThrottlingException")
        if draw < plan.throttle_rate + plan.internal_error_rate:
            return self._injected("internal error", "InternalServerException")
        window.append(now)
        return None

    def _injected(self, kind: str, error: str) -> str:
        self.faults_injected[kind] += 1
        return error

    def _find(self, params: dict[str, Any]) -> _Stored | tuple[int, dict[str, Any]]:
        """The invitation `Identifier` names, or the error Partner Central answers instead."""
        arn = INVITATION_ARN_PATTERN.fullmatch(params["Identifier"])
        if arn and arn["catalog"] != params["Catalog"]:
            message = f"names catalog {arn['catalog']}, the request's Catalog is {params['Catalog']}"
            return _refused(FieldViolation("Identifier", message, "INVALID_VALUE"))
        identifier = params["Identifier"].rsplit("/", 1)[-1]
        stored = self._invitations.get((params["Catalog"], identifier))
        if stored is None:
            return _error("ResourceNotFoundException", "Engagement invitation not found")
        if stored.inaccessible:
            return _error(stored.inaccessible, "Engagement invitation is no longer accessible")
        return stored

    def _get(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        stored = self._find(params)
        if isinstance(stored, tuple):
            return stored
        if stored.lagging is not None and self.clock() < stored.lagging_until:
            return 200, copy.deepcopy(stored.lagging)
        return 200, copy.deepcopy(stored.response)

    def _list(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        filters = {
            "Status": params.get("Status"),
            "PayloadType": params.get("PayloadType"),
            "EngagementId": params.get("EngagementIdentifier"),
            "SenderAwsAccountId": params.get("SenderAwsAccountId"),
        }
        matches = [
            {
                **{k: v for k, v in s.response.items() if k in SUMMARY_MEMBERS},
                "ParticipantType": s.participant_type,
            }
            for (catalog, _), s in self._invitations.items()
            if catalog == params["Catalog"]
            and s.participant_type == params["ParticipantType"]
            and all(not allowed or s.response.get(name) in allowed for name, allowed in filters.items())
        ]
        sort = params.get("Sort", {"SortOrder": "DESCENDING"})
        matches.sort(key=lambda s: (s.get("InvitationDate") or datetime.min, s["Id"]))
        if sort.get("SortOrder") == "DESCENDING":
            matches.reverse()
        return self._page("EngagementInvitationSummaries", matches, params)

    def _page(self, member: str, matches: list[dict[str, Any]], params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """One page of `matches` under `member`, continued by a NextToken of this query."""
        query = _query_fingerprint(params)
        start = self._token_offset(params["NextToken"], query) if "NextToken" in params else 0
        if start is None:
            return _refused(FieldViolation("NextToken", "is invalid or has expired", "INVALID_VALUE"))
        size = params.get("MaxResults", 100)
        body: dict[str, Any] = {member: matches[start : start + size]}
        if start + size < len(matches):
            token = {"offset": start + size, "generation": self._token_generation, "query": query}
            body["NextToken"] = base64.b64encode(json.dumps(token).encode()).decode()
        return 200, body

    # --- answering ------------------------------------------------------------------------
    def _answerable(self, params: dict[str, Any], operation: str) -> _Stored | tuple[int, dict[str, Any]]:
        """The invitation, if this account may answer it now with `operation`; else Partner Central's error."""
        stored = self._find(params)
        if isinstance(stored, tuple):
            return stored
        if stored.participant_type != "RECEIVER":
            return _error("AccessDeniedException", "Only the receiver of an engagement invitation can answer it")
        status, payload_type = stored.response.get("Status"), stored.response.get("PayloadType")
        if status != "PENDING":
            return _error("ConflictException", f"Engagement invitation is {status}, not PENDING")
        if any(t.status == "IN_PROGRESS" and t.invitation_id == stored.response["Id"] for t in self._tasks):
            return _error("ConflictException", "A task accepting this engagement invitation is in progress")
        documented = ACCEPTED_WITH.get(str(payload_type))
        if operation != REJECT and documented and documented != operation:
            message = f"A {payload_type} is accepted with {documented}"
            return _error("ValidationException", message, Reason="BUSINESS_VALIDATION_FAILED")
        return stored

    def _start_task(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        token, catalog = params["ClientToken"], params["Catalog"]
        if not CLIENT_TOKEN.fullmatch(token):
            violation = FieldViolation(
                "ClientToken", f"must match the pattern {CLIENT_TOKEN.pattern}", "INVALID_STRING_FORMAT"
            )
            return _refused(violation)
        same_token = next(
            (t for t in self._tasks if t.token_kept and (t.catalog, t.client_token) == (catalog, token)), None
        )
        if same_token is not None:  # idempotent: the same task, whatever happened since
            if same_token.invitation_id != params["Identifier"].rsplit("/", 1)[-1]:
                return _error("ConflictException", "ClientToken was used for another engagement invitation")
            same_token.reads += 1
            return 200, same_token.summary()
        stored = self._answerable(params, START_TASK)
        if isinstance(stored, tuple):
            return stored
        invitation_id = stored.response["Id"]
        scripts = self._scripts.get((catalog, invitation_id))
        script = scripts.popleft() if scripts else TaskScript()
        task = Task(len(self._tasks) + 1, catalog, invitation_id, token, script, self.clock())
        self._tasks.append(task)
        if script.reason_code is None:  # the task accepts first (status and event), creates the opportunity after
            self._change_status(stored, "ACCEPTED")
        return 200, task.summary()

    def _list_tasks(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Every read of a task IN_PROGRESS brings it closer to its end (TaskScript)."""
        found = [task for task in self._tasks if task.matches(params)]
        for task in found:
            task.reads += 1
        ascending = params.get("Sort", {}).get("SortOrder") == "ASCENDING"
        found.sort(key=lambda t: (t.start_time, t.number), reverse=not ascending)
        return self._page("TaskSummaries", [task.summary() for task in found], params)

    def _accept(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        stored = self._answerable(params, ACCEPT)
        if isinstance(stored, tuple):
            return stored
        self._change_status(stored, "ACCEPTED")
        return 200, {}

    def _reject(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        stored = self._answerable(params, REJECT)
        if isinstance(stored, tuple):
            return stored
        reason = {"RejectionReason": params["RejectionReason"]} if "RejectionReason" in params else {}
        self._change_status(stored, "REJECTED", **reason).inaccessible = self.rejected_become
        return 200, {}

    def _finish_due_tasks(self) -> None:
        now = self.clock()
        for task in self._tasks:
            if not task.due(now):
                continue
            if task.script.reason_code is None:
                task.status, task.opportunity_id = "COMPLETE", opportunity_id(task.number)
            else:  # a failing task never accepted the invitation: it stays PENDING
                task.status, task.reason_code = "FAILED", task.script.reason_code

    def _change_status(self, stored: _Stored, status: str, **changes: Any) -> _Stored:
        """Partner Central's side of an answer: the new status (Get may lag) and its EventBridge event."""
        response = {**stored.response, "Status": status, **changes}
        validate_shape(response, _GET_ANSWER, "answered invitation")
        changed = self._store(response, stored.participant_type)
        self.events.append(invitation_event(response, DETAIL_TYPE_BY_STATUS[status]))
        return changed

    def expire_list_tokens(self) -> None:
        """Every NextToken handed out so far is refused from now on, as Partner Central's expire."""
        with self._lock:
            self._token_generation += 1

    def _token_offset(self, token: str, query: str) -> int | None:
        """Where a NextToken continues, or None if it is not one of ours, expired, or from another query."""
        try:
            decoded = json.loads(base64.b64decode(token, validate=True))
            offset = decoded["offset"]
            valid = decoded["generation"] == self._token_generation and decoded["query"] == query
        except (ValueError, TypeError, KeyError):
            return None
        return offset if valid and isinstance(offset, int) and offset >= 0 else None


def _query_fingerprint(params: dict[str, Any]) -> str:
    """A NextToken continues the query that produced it, whatever the page size."""
    query = {key: value for key, value in params.items() if key not in {"NextToken", "MaxResults"}}
    return hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]


def _error(code: str, message: str, **members: Any) -> tuple[int, dict[str, Any]]:
    return _HTTP_STATUS.get(code, 400), {"__type": code, "Message": message, **members}


def _wire(value: Any) -> Any:
    """JSON protocol form: timestamps as epoch seconds, as AWS sends them."""
    if isinstance(value, Mapping):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(item) for item in value]
    if isinstance(value, datetime):
        return value.timestamp()
    return value


def _handler_for(emulator: PartnerCentralEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            target = self.headers.get("X-Amz-Target", "")
            length = int(self.headers.get("Content-Length") or 0)
            try:
                params = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError:
                status, body = _error("SerializationException", "request body is not JSON")
            else:
                status, body = emulator.answer(target.removeprefix(TARGET_PREFIX), params)
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(payload)))
            if status != 200:
                self.send_header("x-amzn-ErrorType", body["__type"])
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the emulator's call log is the record."""

    return Handler

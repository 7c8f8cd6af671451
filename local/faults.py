"""Client-side fault injection through botocore's event hooks.

A hook on `before-call.<service>.<Operation>` answers in place of AWS, so the code under test sees
exactly what botocore raises for a failed call that its retries could not save. Nothing is patched.
"""

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse, HTTPHeaders

_INJECTED = "injected fault"


@dataclass
class ClientFaults:
    """Planned failures for calls made by clients created after `install()` on the default session."""

    rates: dict[str, tuple[float, str, int]] = field(default_factory=dict)
    seed: int = 0
    injected: Counter[str] = field(default_factory=Counter)
    _queued: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rng: random.Random = field(init=False)
    _stopped: bool = False

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def fail_next(
        self, call: str, code: str = "InternalError", status: int = 500, times: int = 1, message: str = _INJECTED
    ) -> None:
        """`call` is `service.Operation`, e.g. `sns.Publish` or `dynamodb.UpdateItem`; `message` is AWS's text,
        for code that reads it."""
        with self._lock:
            self._queued.setdefault(call, []).extend([(code, status, message)] * times)

    def fail_randomly(self, call: str, rate: float, code: str = "InternalError", status: int = 500) -> None:
        self.rates[call] = (rate, code, status)

    def install(self, session: boto3.Session | None = None) -> "ClientFaults":
        hook: Any = self._before_call  # botocore types hooks as returning None; before-call may answer
        (session or _default_session()).events.register("before-call", hook, unique_id=f"client-faults-{id(self)}")
        return self

    def __enter__(self) -> "ClientFaults":
        return self.install()

    def __exit__(self, *_: object) -> None:
        self.uninstall()

    def uninstall(self, session: boto3.Session | None = None) -> None:
        (session or _default_session()).events.unregister("before-call", unique_id=f"client-faults-{id(self)}")

    def stop(self) -> None:
        """No more failures, also from clients created while installed: each botocore client copies the
        session's hooks when it is created, so `uninstall()` does not reach those."""
        with self._lock:
            self._stopped = True

    def _before_call(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        call = f"{model.service_model.endpoint_prefix}.{model.name}"
        with self._lock:
            if self._stopped:
                return None
            queued = self._queued.get(call)
            fault = queued.pop(0) if queued else None
            if fault is None and call in self.rates:
                rate, code, status = self.rates[call]
                fault = (code, status, _INJECTED) if self._rng.random() < rate else None
            if fault is None:
                return None
            self.injected[f"{call}:{fault[0]}"] += 1
        code, status, message = fault
        parsed = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return AWSResponse("https://fault.invalid", status, HTTPHeaders(), None), parsed


def _default_session() -> boto3.Session:
    """The session behind `boto3.client(...)`, which is what the Lambda wiring uses."""
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    return boto3.DEFAULT_SESSION

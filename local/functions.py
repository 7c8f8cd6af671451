"""The CLI's invoker port, locally: runs the named function's real handler with the environment the
synthesized template gives it, and answers as Lambda's synchronous Invoke does (the handler's JSON,
or FunctionError with the error's type and message). Its log lines go to the function's log group on
the local AWS, as Lambda ships them, so a reader of the logs (`invitation-sync verify`) finds them."""

import importlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

import boto3
from botocore.exceptions import ClientError

from invitation_sync.observability import logger
from invitation_sync.wiring.answer import answer_services
from invitation_sync.wiring.chat import chat_services
from invitation_sync.wiring.reconcile import reconcile_services
from invitation_sync.wiring.reminders import reminder_services
from invitation_sync.wiring.sync import sync_services
from invitation_sync_cli.invoker import answer
from local.cloudformation import LocalFunction
from local.lambda_context import FakeLambdaContext


class LocalInvoker:
    def __init__(self, functions: Mapping[str, LocalFunction]) -> None:
        self._functions = dict(functions)
        sync_services.cache_clear()  # a new deployment: the first invocation is a cold start
        reconcile_services.cache_clear()
        reminder_services.cache_clear()
        chat_services.cache_clear()
        answer_services.cache_clear()

    def invoke(self, function_name: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        function = self._functions.get(function_name)
        if function is None:
            missing = f"Function not found: {function_name}"
            raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": missing}}, "Invoke")
        module, name = function.handler.rsplit(".", 1)
        event = json.loads(json.dumps(payload))  # what Lambda hands the handler: JSON, nothing shared
        context = FakeLambdaContext(  # the function's own timeout, counting down from the invocation's start
            function_name=function_name,
            invoked_function_arn=f"arn:aws:lambda:us-east-1:111122223333:function:{function_name}",
            timeout_seconds=function.timeout_seconds,
        )
        with _environment(function.environment), _shipped_logs(function.log_group, function_name):
            handler = getattr(importlib.import_module(module), name)
            try:
                body, function_error = json.loads(json.dumps(handler(event, context))), None
            except Exception as error:  # Lambda reports any unhandled error this way
                body, function_error = {"errorType": type(error).__name__, "errorMessage": str(error)}, "Unhandled"
        return answer(function_name, body, function_error)


@contextmanager
def _shipped_logs(log_group: str | None, function_name: str) -> Iterator[None]:
    """The invocation's log lines (this thread's only: other invocations run beside it) as log events."""
    lines: list[dict[str, Any]] = []
    capture = _ThreadLines(lines)
    capture.setFormatter(logger.registered_formatter)
    logging.getLogger(logger.name).addHandler(capture)
    try:
        yield
    finally:
        logging.getLogger(logger.name).removeHandler(capture)
        if log_group and lines:
            _put_log_events(log_group, function_name, lines)


class _ThreadLines(logging.Handler):
    def __init__(self, lines: list[dict[str, Any]]) -> None:
        super().__init__()
        self._lines, self._thread = lines, threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._thread:
            self._lines.append({"timestamp": int(record.created * 1000), "message": self.format(record)})


def _put_log_events(log_group: str, function_name: str, lines: list[dict[str, Any]]) -> None:
    # Lambda's runtime ships them, not the function's role: a session of its own, which no recorder of
    # the function's calls (tests/fixtures/iam.py) hooks.
    logs = boto3.session.Session().client("logs")
    stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{function_name}"
    with suppress(logs.exceptions.ResourceAlreadyExistsException):  # a deployment without its log groups
        logs.create_log_group(logGroupName=log_group)
    with suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_stream(logGroupName=log_group, logStreamName=stream)
    logs.put_log_events(logGroupName=log_group, logStreamName=stream, logEvents=lines)  # type: ignore[arg-type]


@contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """The function's variables for the invocation, then the previous values: only these keys change, so a
    caller on another thread (the local event source mapping beside the CLI) never sees the rest vanish."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

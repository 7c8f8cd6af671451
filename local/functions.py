"""The CLI's invoker port, locally: runs the named function's real handler with the environment the
synthesized template gives it, and answers as Lambda's synchronous Invoke does (the handler's JSON,
or FunctionError with the error's type and message)."""

import importlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

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
        with _environment(function.environment):
            handler = getattr(importlib.import_module(module), name)
            try:
                body, function_error = json.loads(json.dumps(handler(event, context))), None
            except Exception as error:  # Lambda reports any unhandled error this way
                body, function_error = {"errorType": type(error).__name__, "errorMessage": str(error)}, "Unhandled"
        return answer(function_name, body, function_error)


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

"""Cold start as a subscriber waits for it: process start -> the first HTTP request the sync function sends.

The function runs as deployed: from the host-platform Lambda asset, with the environment the synthesized
template gives it plus the variables Lambda itself sets, importing the template's handler and invoking it
with an event. The floor is the same interpreter importing boto3, creating the clients the function
created and sending the same Get; a second floor also imports pydantic and builds one model first, the
least any function with pydantic models pays. botocore's `before-send` hook notes the time and ends the
process, so no network is timed. One row per tracing mode, medians of interleaved fresh interpreters.
"""

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import boto3
from moto import mock_aws

from infra.lambda_asset import build_lambda_asset, host_platform
from infra.settings import PARTNER_CENTRAL_REGION
from infra.stack import CDK_JSON, synthesized_template
from local.cloudformation import deploy
from local.environment import local_process_environment
from local.samples import invitation_event, opportunity_invitation, sqs_event

REPO: Final = Path(__file__).resolve().parents[1]
BASE_PYTHON: Final = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
SYNC_HANDLER_MODULE: Final = "invitation_sync.handlers.sync_handler"
FIRST_REQUEST: Final = "partnercentral-selling.GetEngagementInvitation"

# Both scripts start alike: the asset first on sys.path (the repo after it, for the function's context
# stand-in), then the hooks on boto3's default session, which every client the function creates copies.
_PRELUDE: Final = """
import json, os, sys, time
asset, repo, event_file = sys.argv[1:4]
sys.path[:0] = [asset]
sys.path.append(repo)
import boto3
created = []
def _created(event_name, **_):
    created.append(event_name.split(".", 1)[1])
def _first_request(event_name, **_):
    at, cpu = time.monotonic(), time.process_time()
    project = sorted(m for m in sys.modules if m.startswith("invitation_sync."))
    plugins = getattr(sys.modules.get("pydantic.plugin._loader"), "_plugins", None)
    print(json.dumps({"at": at, "cpu": cpu, "request": event_name.split(".", 1)[1], "clients": created,
                      "xray_sdk": "aws_xray_sdk.core" in sys.modules, "project_modules": project,
                      "pydantic_plugin_scan": plugins is not None}), flush=True)
    os._exit(0)
boto3.setup_default_session()
boto3.DEFAULT_SESSION.events.register("creating-client-class", _created)
boto3.DEFAULT_SESSION.events.register("before-send", _first_request)
with open(event_file) as file:
    event = json.load(file)
"""
FUNCTION: Final = (
    _PRELUDE
    + """
import importlib
from local.lambda_context import FakeLambdaContext
module, _, name = os.environ["_HANDLER"].rpartition(".")
handler = getattr(importlib.import_module(module), name)
handler(event, FakeLambdaContext(function_name=os.environ["AWS_LAMBDA_FUNCTION_NAME"]))
sys.exit("the function returned without sending a request")
"""
)
_FLOOR_CLIENTS: Final = """
from botocore.config import Config
services, catalog, invitation_id = sys.argv[4:7]
config = Config(retries={"mode": "standard"})
clients = {service: boto3.client(service, config=config) for service in services.split(",")}
"""
_FLOOR_GET: Final = """
clients["partnercentral-selling"].get_engagement_invitation(Catalog=catalog, Identifier=invitation_id)
"""
FLOOR: Final = _PRELUDE + _FLOOR_CLIENTS + _FLOOR_GET
# The floor plus the least a function with pydantic models pays before its first request: importing
# pydantic and building one two-field model. Its ratio to the floor bounds every such function's.
PYDANTIC_FLOOR: Final = (
    _PRELUDE
    + _FLOOR_CLIENTS
    + """
from pydantic import BaseModel
class Probe(BaseModel):
    catalog: str
    invitation_id: str
Probe(catalog=catalog, invitation_id=invitation_id)
"""
    + _FLOOR_GET
)


@dataclass(frozen=True)
class DeployedFunction:
    """The sync function as the template deploys it: the process environment Lambda gives it."""

    environment: dict[str, str]
    tracing: bool


def deployed_sync_function(template: dict[str, Any], task_root: Path) -> DeployedFunction:
    """The template's variables resolved (on moto: real-looking names and ARNs) plus Lambda's own."""
    with local_process_environment(), mock_aws():
        deployment = deploy(template, boto3.client("dynamodb"), boto3.client("sns"), boto3.client("sqs"))
    [function] = [
        resource["Properties"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
        and resource["Properties"]["Handler"].startswith(SYNC_HANDLER_MODULE + ".")
    ]
    tracing = function.get("TracingConfig", {}).get("Mode") == "Active"
    logging = function["LoggingConfig"]
    runtime = {
        "AWS_REGION": PARTNER_CENTRAL_REGION,  # the only region settings allow
        "AWS_DEFAULT_REGION": PARTNER_CENTRAL_REGION,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function['Runtime']}",
        "AWS_LAMBDA_FUNCTION_NAME": "InvitationSync-SyncFunction",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function["MemorySize"]),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_LAMBDA_LOG_FORMAT": logging["LogFormat"],
        "AWS_LAMBDA_LOG_LEVEL": logging.get("ApplicationLogLevel", "INFO"),
        "AWS_ACCESS_KEY_ID": "ASIABENCH",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "LAMBDA_TASK_ROOT": str(task_root),
        "TZ": ":UTC",
        "_HANDLER": function["Handler"],
        "_X_AMZN_TRACE_ID": f"Root=1-6745a0c0-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled={int(tracing)}",
    }
    if tracing:  # what Lambda adds for an actively traced function
        runtime |= {"AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000", "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR"}
    variables = deployment.environment_of(function["Handler"])
    return DeployedFunction({**runtime, **variables}, tracing)


def default_context(**overrides: object) -> dict[str, object]:
    context: dict[str, object] = json.loads(CDK_JSON.read_text())["context"]
    return {**context, **overrides}


@dataclass(frozen=True)
class FirstRequest:
    seconds: float  # wall time from just before the process started to the request leaving botocore
    cpu_seconds: float  # the process's CPU time by then: the same work, without the machine's other load
    request: str
    clients: list[str]
    xray_sdk: bool
    project_modules: list[str]  # the function's own modules loaded by then
    pydantic_plugin_scan: bool  # pydantic searched the installed distributions for plugins


def first_request(
    script: str, environment: dict[str, str], asset: Path, event: Path, *args: str, bytecode: bool = True
) -> FirstRequest:
    """One fresh interpreter. `bytecode=False` is Lambda's read-only /var/task with an asset that ships
    no `__pycache__`: every module of the asset is compiled from source at each cold start."""
    flags = ["-S", "-E"] if bytecode else ["-S", "-E", "-B"]
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603
        [str(BASE_PYTHON), *flags, "-c", script, str(asset), str(REPO), str(event), *args],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"cold start run failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    return FirstRequest(
        seen["at"] - started,
        seen["cpu"],
        seen["request"],
        seen["clients"],
        seen["xray_sdk"],
        seen["project_modules"],
        seen["pydantic_plugin_scan"],
    )


def _figures(taken: list[FirstRequest]) -> dict[str, Any]:
    return {
        "wall_s": statistics.median(sample.seconds for sample in taken),
        "cpu_s": statistics.median(sample.cpu_seconds for sample in taken),
        "xray_sdk_loaded": taken[0].xray_sdk,
        "runs": len(taken),
    }


def measure(runs: int = 21, shipped_runs: int = 7) -> dict[str, Any]:
    """Medians to the first request per tracing mode and for the floor, over interleaved fresh interpreters,
    from the asset with its bytecode (as it ships when built beside the runtime's Python); then the default
    function and the floor again from a copy without bytecode (every module compiled at each cold start)."""
    asset = build_lambda_asset(host_platform())
    functions = {
        "default": deployed_sync_function(synthesized_template(default_context()), asset),
        "tracing": deployed_sync_function(synthesized_template(default_context(tracing=True)), asset),
    }
    invitation = opportunity_invitation(1)
    with tempfile.TemporaryDirectory() as scratch:
        event = Path(scratch) / "event.json"
        event.write_text(json.dumps(sqs_event(invitation_event(invitation))))
        shipped = Path(scratch) / "task"
        shutil.copytree(asset, shipped, ignore=shutil.ignore_patterns("__pycache__"))

        def function_run(name: str, root: Path = asset) -> FirstRequest:
            environment = functions[name].environment | {"LAMBDA_TASK_ROOT": str(root)}
            seen = first_request(FUNCTION, environment, root, event, bytecode=root == asset)
            if seen.request != FIRST_REQUEST:
                raise RuntimeError(f"{name}: the function's first request was {seen.request}, not {FIRST_REQUEST}")
            return seen

        def floor_run(root: Path = asset, script: str = FLOOR) -> FirstRequest:
            services, (catalog, ident) = ",".join(first["default"].clients), (invitation["Catalog"], invitation["Id"])
            environment = functions["default"].environment
            return first_request(script, environment, root, event, services, catalog, ident, bytecode=root == asset)

        first = {name: function_run(name) for name in functions}  # a first run each: the OS caches the files
        floor_run()
        floor_run(script=PYDANTIC_FLOOR)
        samples: dict[str, list[FirstRequest]] = {name: [] for name in (*functions, "floor", "pydantic_floor")}
        for _ in range(runs):  # interleaved, so drift on the machine hits every row alike
            for name in functions:
                samples[name].append(function_run(name))
            samples["floor"].append(floor_run())
            samples["pydantic_floor"].append(floor_run(script=PYDANTIC_FLOOR))
        without_bytecode: dict[str, list[FirstRequest]] = {"default": [], "floor": []}
        for _ in range(shipped_runs):
            without_bytecode["default"].append(function_run("default", shipped))
            without_bytecode["floor"].append(floor_run(shipped))
    return {
        "first_request": FIRST_REQUEST,
        "clients": first["default"].clients,
        **{name: _figures(taken) for name, taken in samples.items()},
        "without_bytecode": {name: _figures(taken) for name, taken in without_bytecode.items()},
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))

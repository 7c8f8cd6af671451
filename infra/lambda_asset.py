"""Builds the Lambda code asset without Docker: pip fetches wheels for the target platform.

Wheels are cached per platform and requirements hash under .cache/, so a repeated synth needs no
package registry; each asset is built once per (platform, requirements, source, bytecode) fingerprint.

Lambda's /var/task is read-only, so an asset without bytecode is compiled from source at every cold
start (about twice the init CPU, docs/performance.md). Bytecode is only valid for the Python version
that wrote it, so it ships only when a final release of the runtime's version is on this machine's PATH
(`python3.14`); otherwise the asset ships without it and synth says so.
"""

import fcntl
import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

REPO: Final = Path(__file__).resolve().parents[1]
REQUIREMENTS: Final = REPO / "lambdas" / "requirements.txt"
PACKAGE: Final = REPO / "lambdas" / "invitation_sync"
WHEEL_CACHE: Final = REPO / ".cache" / "lambda-wheels"
BUILD_ROOT: Final = REPO / "build" / "lambda-assets"
# botocore ships ~400 service models; the functions create clients for these only (X-Ray: the
# X-Ray SDK creates its sampling client at import).
BOTOCORE_SERVICES: Final = frozenset({"partnercentral-selling", "dynamodb", "sns", "sqs", "sts", "xray"})
_BUILDER_VERSION: Final = "3"


@dataclass(frozen=True)
class TargetPlatform:
    """`pip_platform` None means this machine (used to prove the asset imports here)."""

    python_version: str
    pip_platform: str | None = None

    @property
    def name(self) -> str:
        return f"{self.pip_platform or 'host'}-cp{self.python_version.replace('.', '')}"

    def pip_flags(self) -> list[str]:
        flags = ["--only-binary=:all:"]
        if self.pip_platform:
            flags += [
                "--platform",
                self.pip_platform,
                "--implementation",
                "cp",
                "--python-version",
                self.python_version,
            ]
        return flags


LAMBDA_PYTHON: Final = "3.14"
LAMBDA_PLATFORM: Final = TargetPlatform(LAMBDA_PYTHON, "manylinux2014_aarch64")


def host_platform() -> TargetPlatform:
    return TargetPlatform(f"{sys.version_info.major}.{sys.version_info.minor}")


@dataclass(frozen=True)
class BytecodeCompiler:
    interpreter: str
    magic: str  # importlib's MAGIC_NUMBER: the runtime uses a pyc only if its header carries the same


_PROBE: Final = (
    "import importlib.util, sys; v = sys.version_info; "
    "print(f'{v.major}.{v.minor}', v.releaselevel, importlib.util.MAGIC_NUMBER.hex())"
)


def bytecode_compiler(target: TargetPlatform) -> BytecodeCompiler | None:
    """A final release of the target's Python version on this machine (bytecode does not depend on the
    platform, only on the version: a pre-release writes another magic number, which Lambda's runtime
    would silently ignore), or None."""
    found = sys.executable if target.pip_platform is None else shutil.which(f"python{target.python_version}")
    if found is None:
        return None
    probe = subprocess.run([found, "-c", _PROBE], capture_output=True, text=True, check=False)  # noqa: S603
    version, level, magic = [*probe.stdout.split(), "", "", ""][:3]
    if probe.returncode != 0 or version != target.python_version:
        return None
    return BytecodeCompiler(found, magic) if level == "final" or target.pip_platform is None else None


def has_bytecode(asset: Path) -> bool:
    return (asset / PACKAGE.name / "__pycache__").is_dir()


class AssetBuildError(RuntimeError):
    """pip could not produce the asset; the message says which step and why."""


def build_lambda_asset(target: TargetPlatform = LAMBDA_PLATFORM) -> Path:
    """The asset directory for `target`: the invitation_sync package plus its pinned dependencies.
    Safe to call from several processes at once (parallel tests, a synth beside them)."""
    BUILD_ROOT.mkdir(parents=True, exist_ok=True)
    with open(BUILD_ROOT / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build(target)


def _build(target: TargetPlatform) -> Path:
    compiler = bytecode_compiler(target)
    fingerprint = _fingerprint(target, compiler.magic if compiler else "no bytecode")
    asset = BUILD_ROOT / f"{target.name}-{fingerprint}"
    if (asset / ".complete").exists():
        return asset
    wheels = _wheels(target)
    staging = asset.with_name(asset.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    _pip(
        "install",
        "--no-index",
        "--find-links",
        str(wheels),
        "--target",
        str(staging),
        "--no-compile",
        *target.pip_flags(),
        "-r",
        str(REQUIREMENTS),
        step=f"install {target.name} wheels",
    )
    _prune(staging)
    shutil.copytree(PACKAGE, staging / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if compiler:
        compile_asset(compiler.interpreter, staging)
    (staging / ".complete").touch()
    for old in BUILD_ROOT.glob(f"{target.name}-*"):
        if old != staging:
            shutil.rmtree(old, ignore_errors=True)
    staging.rename(asset)
    return asset


def _wheels(target: TargetPlatform) -> Path:
    """Download once per (platform, requirements); afterwards synth works without the registry."""
    cache = WHEEL_CACHE / f"{target.name}-{_digest(REQUIREMENTS.read_bytes())}"
    if not (cache / ".complete").exists():
        _pip("download", "--dest", str(cache), *target.pip_flags(), "-r", str(REQUIREMENTS), step="download wheels")
        (cache / ".complete").touch()
    return cache


def _prune(root: Path) -> None:
    """Drop what the functions never load: other services' models, scripts, caches."""
    for service in (root / "botocore" / "data").iterdir():
        if service.is_dir() and service.name not in BOTOCORE_SERVICES:
            shutil.rmtree(service)
    shutil.rmtree(root / "bin", ignore_errors=True)
    for cache in root.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def compile_asset(interpreter: str, root: Path) -> None:
    """Unchecked-hash bytecode: used as it is, whatever timestamps the zip gives the sources. (The paths
    it records do not matter: importing a pyc names the code after the source file it was found beside.)"""
    command = [interpreter, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(root)]
    _run(command, f"{interpreter} could not compile the asset")


def _pip(*args: str, step: str) -> None:
    _run([sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"], f"pip could not {step}")


def _run(command: list[str], failure: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise AssetBuildError(f"Lambda asset: {failure}: " + " | ".join(detail))


def _fingerprint(target: TargetPlatform, bytecode: str) -> str:
    digest = hashlib.sha256(f"{_BUILDER_VERSION}|{target.name}|{sorted(BOTOCORE_SERVICES)}|{bytecode}".encode())
    digest.update(REQUIREMENTS.read_bytes())
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]

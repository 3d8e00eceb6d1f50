"""The programs the benchmarks drive (wrk, pgbench), installed from Debian when missing, as
scripts/nginx-ready and scripts/postgres-ready install theirs: as root, or through sudo."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

APT = ["apt-get", "-o", "DPkg::Lock::Timeout=600"]


def _as_root(argv: list[str]) -> list[str]:
    return argv if os.geteuid() == 0 else ["sudo", *argv]


def debian_tool(binary: str, package: str, *, also_look_in: str | None = None) -> str:
    """The path of ``binary``; Debian's ``package`` is installed first when it is missing.

    ``also_look_in`` is a glob of directories outside PATH where the package puts it
    (PostgreSQL's programs live in /usr/lib/postgresql/<version>/bin)."""

    def found() -> str | None:
        path = shutil.which(binary)
        if path is None and also_look_in:
            path = next((str(p) for p in sorted(Path("/").glob(also_look_in.lstrip("/") + "/" + binary))), None)
        return path

    path = found()
    if path is None:
        print(f"{binary} is missing: installing Debian's {package}")
        try:
            subprocess.run(_as_root([*APT, "update", "-qq"]), check=True)
            subprocess.run(_as_root([*APT, "install", "-y", "-qq", "--no-install-recommends", package]), check=True,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
        except (OSError, subprocess.CalledProcessError) as error:
            raise SystemExit(f"{binary} is needed and could not be installed ({error}): apt-get install {package}") \
                from error
        path = found()
        if path is None:
            raise SystemExit(f"{binary} is needed: Debian's {package} was installed but has no {binary}")
    return path


def wrk() -> str:
    return debian_tool("wrk", "wrk")


def pgbench() -> str:
    return debian_tool("pgbench", "postgresql-contrib", also_look_in="/usr/lib/postgresql/*/bin")


def ready(script: str) -> str:
    """The last line a scripts/*-ready prints (a URL), the service installed and started if needed."""
    root = Path(__file__).resolve().parents[1]
    output = subprocess.run([str(root / "scripts" / script)], check=True, capture_output=True, text=True).stdout
    return output.strip().splitlines()[-1]

"""Each service's Dockerfile (issue 17 item 1): multi-stage, the base pinned by version, the venv from the lock file
for that package only, non-root, nothing to build with in the final stage; and each image's Python environment
installed as its Dockerfile installs it, into a temporary directory, with its entrypoint answering --help (about 25 s
of CPU for the six, from uv's cache). No Docker engine is needed."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))


def stages(dockerfile: str) -> list[str]:
    """The Dockerfile's stages, each from its FROM line on."""
    parts = re.split(r"(?m)^(?=FROM )", dockerfile)
    return [p for p in parts if p.startswith("FROM ")]


def uv_sync_command(dockerfile: str) -> list[str]:
    """The arguments of the Dockerfile's one `RUN uv sync …` line."""
    found = re.findall(r"(?m)^RUN (uv sync [^\n\\]+)$", dockerfile)
    assert len(found) == 1, "one `RUN uv sync …` line"
    return shlex.split(found[0])


@pytest.mark.unit
@pytest.mark.parametrize("service", SERVICES)
def test_the_dockerfile_builds_a_small_locked_non_root_image(service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text(encoding="utf-8")
    args = dict(re.findall(r"(?m)^ARG (\w+)=(\S+)$", text))
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", args["PYTHON_IMAGE"])
    all_stages = stages(text)
    assert len(all_stages) >= 2
    assert uv_sync_command(text) == ["uv", "sync", "--frozen", "--no-dev", "--no-editable", "--package",
                                     f"vanthu-{service}"]
    final = all_stages[-1]
    assert final.startswith("FROM ${PYTHON_IMAGE}\n")
    assert "COPY --from=build /app/venv /app/venv" in final
    assert not re.search(r"\b(uv|pip install|gcc|build-essential)\b", final.replace("/app/venv", "")), \
        "the final stage has no build tools"
    assert re.search(r"(?m)^USER 10001$", final)
    assert f'ENTRYPOINT ["python", "-m", "vanthu_{service}"]' in final
    # a read-only root filesystem: bytecode compiled at build, never written; HOME on the /tmp volume
    assert "PYTHONDONTWRITEBYTECODE=1" in final and "UV_COMPILE_BYTECODE=1" in text and "HOME=/tmp" in final
    if service == "gateway":
        assert re.search(r"(?m)^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-\w+-slim$", text)
        assert "COPY --from=web /web/dist /app/web" in final and "VANTHU_GATEWAY_WEB_DIR=/app/web" in final


@pytest.mark.integration
@pytest.mark.parametrize("service", SERVICES)
def test_the_images_environment_installs_from_the_lock_and_its_entrypoint_runs(service: str,
                                                                              tmp_path: Path) -> None:
    dockerfile = (ROOT / "services" / service / "Dockerfile").read_text(encoding="utf-8")
    venv = tmp_path / "venv"
    environment = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv), "UV_PYTHON": sys.executable,
                   "UV_COMPILE_BYTECODE": "0"}
    subprocess.run([*uv_sync_command(dockerfile), "--quiet"], cwd=ROOT, env=environment, check=True)
    installed = {p.name.split("-")[0].lower() for p in venv.glob("lib/python*/site-packages/*.dist-info")}
    assert f"vanthu_{service}" in installed
    assert not installed & {"pytest", "mypy", "ruff", "helm_python_sdk"}, "dev packages in the image"
    entrypoint = re.search(r'ENTRYPOINT \["python", "-m", "(\w+)"\]', dockerfile)
    assert entrypoint
    # from an empty directory, with only the venv: the workspace's sources are not on the path
    answer = subprocess.run([str(venv / "bin" / "python"), "-m", entrypoint[1], "--help"], cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"},
                            capture_output=True, text=True, check=True)
    assert answer.stdout.startswith(f"usage: vanthu-{service}")

"""This package as a wheel, built from the installed files, for `deploy render`'s projects.

A rendered project must install on a machine that has never seen deepseek-deploy, from its own
requirements.txt; no index has this package, so the project carries it. The wheel is built
from the package folders that are imported right now (an editable install or a regular one
alike), with fixed timestamps and sorted entries, so the same version gives the same bytes.
Wheel layout and RECORD format: https://packaging.python.org/en/latest/specifications/binary-distribution-format/
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zipfile
from importlib import metadata

DISTRIBUTION = "deepseek-deploy"
PACKAGES = ("stacks", "components", "cli", "templates")
SHIPPED = (".py", ".yaml", ".j2")  # sources and package data (the catalog, the templates)
EPOCH = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: no build time leaks into the bytes


def _package_files() -> list[tuple[str, bytes]]:
    """(archive name, content) of every shipped file of the four subpackages."""
    import importlib

    found = []
    for name in PACKAGES:
        module = importlib.import_module(f"deepseek_deploy.{name}")
        root = os.path.dirname(str(module.__file__))
        for folder, folders, files in os.walk(root):
            folders[:] = sorted(f for f in folders if f != "__pycache__")
            for file in sorted(files):
                if file.endswith(SHIPPED):
                    path = os.path.join(folder, file)
                    relative = os.path.relpath(path, root).replace(os.sep, "/")
                    with open(path, "rb") as handle:
                        found.append((f"deepseek_deploy/{name}/{relative}", handle.read()))
    return sorted(found)


def _dist_info(version: str) -> list[tuple[str, bytes]]:
    info = f"deepseek_deploy-{version}.dist-info"
    dist = metadata.distribution(DISTRIBUTION)
    wheel = "Wheel-Version: 1.0\nGenerator: deepseek-deploy render\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    # A source checkout's egg-info (PKG-INFO) can be what importlib finds first; both hold the same fields.
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    if f"\nVersion: {version}\n" not in text:
        raise RuntimeError(f"the installed metadata of {DISTRIBUTION} does not say version {version}")
    files = [(f"{info}/METADATA", text.encode()), (f"{info}/WHEEL", wheel.encode())]
    entry_points = dist.read_text("entry_points.txt")
    if entry_points:
        files.append((f"{info}/entry_points.txt", entry_points.encode()))
    return files


def _record_line(name: str, content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(content)}"


def build() -> tuple[str, bytes]:
    """(file name, bytes) of `deepseek_deploy-<version>-py3-none-any.whl`."""
    version = metadata.version(DISTRIBUTION)
    entries = _package_files() + _dist_info(version)
    record_name = f"deepseek_deploy-{version}.dist-info/RECORD"
    record = "\n".join([*(_record_line(n, c) for n, c in entries), f"{record_name},,"]) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in [*entries, (record_name, record.encode())]:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return f"deepseek_deploy-{version}-py3-none-any.whl", buffer.getvalue()

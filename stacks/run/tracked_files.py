"""Files the tool writes and a user may edit afterwards (`render`, `plan --manifests`).

A record of the hashes it wrote lets a rewrite tell a file the user changed from one the tool
wrote: the user's edits are never overwritten without `force`, and nothing is written at all
when one would be.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import BAD_INPUT, DeployError


class EditedFiles(DeployError):
    """Files changed since the tool wrote them; nothing was written."""

    code = BAD_INPUT

    def __init__(self, directory: str, paths: list[str], since: str):
        super().__init__(
            f"{directory}: you changed {', '.join(paths)} since {since}; nothing was written. Pass --force to overwrite"
        )
        self.paths = paths


@dataclass
class Written:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


Content = str | bytes  # text is written as UTF-8 with \n line ends; bytes as they are


def _bytes(content: Content) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def _sha(content: Content) -> str:
    return hashlib.sha256(_bytes(content)).hexdigest()


def _read(path: str) -> bytes | None:
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


def edited(directory: str, files: Mapping[str, Content], record: str) -> list[str]:
    """Files that would change and that differ from what the tool last wrote there."""
    recorded_text = _read(os.path.join(directory, record))
    recorded: dict[str, str] = json.loads(recorded_text) if recorded_text else {}
    found = []
    for path, content in sorted(files.items()):
        current = _read(os.path.join(directory, path))
        if current is not None and current != _bytes(content) and recorded.get(path) != _sha(current):
            found.append(path)
    return found


def write_tracked(directory: str, files: Mapping[str, Content], *, record: str, since: str, force: bool) -> Written:
    """Write `files` (relative path -> text) into `directory` and record their hashes in `record`."""
    try:
        conflicts = edited(directory, files, record)
        if conflicts and not force:
            raise EditedFiles(directory, conflicts, since)
        result = Written()
        for path, content in sorted(files.items()):
            target = os.path.join(directory, path)
            if _read(target) == _bytes(content):
                result.unchanged.append(path)
                continue
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(_bytes(content))
            result.written.append(path)
        hashes = {path: _sha(content) for path, content in sorted(files.items())}
        with open(os.path.join(directory, record), "w", encoding="utf-8", newline="\n") as handle:
            handle.write(json.dumps(hashes, indent=2, sort_keys=True) + "\n")
    except OSError as error:
        raise DeployError(f"cannot write {directory}: {error.strerror}", BAD_INPUT) from None
    return result

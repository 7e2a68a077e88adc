"""Hostile specs are refused fast, with FILE:LINE:COL and exit 2, in bounded time and memory."""

import os
import time

import pytest

from ...conftest import MINIMAL


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["name: bot", "model: r1", "mode: serverless", "region: us-west-2", "tags:", "  a0: &a0 [x]"]
    for level in range(1, levels + 1):
        lines.append(f"  a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "alias bomb 9 x 9": (alias_bomb(), "expands to more than"),
    "100,000 nested lists": ("a: " + "[" * 100_000 + "]" * 100_000 + "\n", "nesting"),
    "100,000 nested mappings": ("a: " + "{b: " * 100_000 + "1" + "}" * 100_000 + "\n", "nesting"),
    "deep block nesting": ("".join(" " * i + f"k{i}:\n" for i in range(500)), "nesting deeper than"),
    "two documents": (MINIMAL["serverless"] + "---\n" + MINIMAL["serverless"], "second YAML document"),
    "an unhashable mode": ("name: bot\nmode: []\nmodel: r1\nregion: us-west-2\n", "is not a mode"),
    "a mapping as mode": ("name: bot\nmode: {a: 1}\nmodel: r1\nregion: us-west-2\n", "is not a mode"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_is_refused_fast_with_a_position(cli, write_spec, name):
    text, words = HOSTILE[name]
    path = write_spec(text)
    started = time.perf_counter()
    result = cli("validate", path)
    elapsed = time.perf_counter() - started
    assert result.code == 2 and words in result.err and f"{path}:" in result.err, result.err
    assert "Traceback" not in result.err and elapsed < 1.0


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom"])
def test_devices_are_refused_without_reading_them(cli, path):
    started = time.perf_counter()
    result = cli("validate", path)
    assert result.code == 2 and "not a regular file" in result.err and time.perf_counter() - started < 1.0


def test_a_fifo_without_a_writer_does_not_hang(cli, tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    result = cli("validate", str(fifo))
    assert result.code == 2 and "not a regular file" in result.err and time.perf_counter() - started < 1.0


def test_a_file_over_the_cap_is_refused_after_reading_only_the_cap(cli, write_spec):
    path = write_spec(MINIMAL["serverless"] + "#" * (1024 * 1024) + "\n")
    result = cli("validate", path)
    assert result.code == 2 and "larger than 1 MiB" in result.err

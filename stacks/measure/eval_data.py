"""The prompts `deploy eval` sends: a user JSONL file (CLI.md: `prompt`, `answer`, `match`) or a built-in set.

Built-in sets are written for this package, so no licence or download is involved:
- `builtin:arithmetic`: word problems with whole-number answers, generated from a seed;
- `builtin:units`: unit conversions with exact answers, generated from a seed;
- `builtin:routing`: a fixed mix of easy and hard questions (datasets/routing.jsonl), each labelled
  `hard`, for judging a gateway that routes by difficulty.

A user file is read by `dataset.load` (a bad line stops with FILE:LINE:COL); here each reference is
also checked against its `match`: a `numeric` answer must be a number, a `regex` one must compile,
and every kind but `judge` needs an `answer`.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Optional

from ..errors import BAD_INPUT, DeployError
from .dataset import DatasetError, Prompt, numbered

BUILTIN_PREFIX = "builtin:"
GENERATED_SIZE = 100
NUMBER_ONLY = "Answer with the number only."
_PACKAGE = __name__.rpartition(".")[0]


@dataclass(frozen=True)
class Dataset:
    name: str
    prompts: tuple[Prompt, ...]
    hard: tuple[Optional[bool], ...] = ()  # per prompt, where the set labels difficulty


def load(name: str, seed: int = 0) -> Dataset:
    """`builtin:NAME` or a JSONL path."""
    if name.startswith(BUILTIN_PREFIX):
        return builtin(name[len(BUILTIN_PREFIX) :], seed)
    rows = numbered(name)
    for line, prompt in rows:
        _check_reference(name, line, prompt)
    return Dataset(name, tuple(prompt for _, prompt in rows))


def builtin(name: str, seed: int = 0) -> Dataset:
    makers: dict[str, Callable[[int], Dataset]] = {
        "arithmetic": lambda s: Dataset("builtin:arithmetic", tuple(arithmetic(s))),
        "units": lambda s: Dataset("builtin:units", tuple(units(s))),
        "routing": lambda s: routing(),
    }
    if name not in makers:
        raise DeployError(
            f"--dataset builtin:{name}: no such built-in set; expected one of "
            + ", ".join(f"builtin:{known}" for known in makers),
            BAD_INPUT,
        )
    return makers[name](seed)


def _check_reference(path: str, line: int, prompt: Prompt) -> None:
    if prompt.match == "judge":
        return
    if prompt.answer is None:
        raise DatasetError(path, line, 1, f"`match: {prompt.match}` needs an `answer` (the reference)")
    if prompt.match == "numeric" and parse_number(prompt.answer) is None:
        raise DatasetError(path, line, 1, f"`answer` {prompt.answer!r} is not a number, as `match: numeric` needs")
    if prompt.match == "regex":
        try:
            re.compile(prompt.answer)
        except re.error as error:
            raise DatasetError(path, line, 1, f"`answer` is not a valid regular expression: {error}") from None


def parse_number(text: str) -> Optional[float]:
    """`1,234.5` -> 1234.5; None when the text is not one number."""
    try:
        return float(text.strip().replace(",", ""))
    except ValueError:
        return None


def arithmetic(seed: int, size: int = GENERATED_SIZE) -> list[Prompt]:
    """Word problems with whole-number answers; the same seed always gives the same problems."""
    rng = random.Random(seed)
    makers = (_stock, _shopping, _sharing, _rows)
    return [makers[i % len(makers)](rng) for i in range(size)]


def _stock(rng: random.Random) -> Prompt:
    start, out, back = rng.randint(200, 900), rng.randint(20, 199), rng.randint(10, 99)
    text = (
        f"A warehouse holds {start} boxes. {out} boxes are shipped out and {back} new boxes arrive. "
        f"How many boxes does the warehouse hold now? {NUMBER_ONLY}"
    )
    return Prompt(text, str(start - out + back), "numeric")


def _shopping(rng: random.Random) -> Prompt:
    count, price, extra = rng.randint(2, 12), rng.randint(3, 49), rng.randint(1, 20)
    text = (
        f"Ana buys {count} notebooks at {price} dollars each and a pen for {extra} dollars. "
        f"How many dollars does she spend in all? {NUMBER_ONLY}"
    )
    return Prompt(text, str(count * price + extra), "numeric")


def _sharing(rng: random.Random) -> Prompt:
    people, each, kept = rng.randint(3, 15), rng.randint(4, 30), rng.randint(1, 9)
    total = people * each + kept
    text = (
        f"A teacher has {total} stickers. She keeps {kept} and shares the rest equally among {people} "
        f"pupils. How many stickers does each pupil get? {NUMBER_ONLY}"
    )
    return Prompt(text, str(each), "numeric")


def _rows(rng: random.Random) -> Prompt:
    rows, seats, empty = rng.randint(5, 40), rng.randint(8, 30), rng.randint(1, 50)
    text = f"A hall has {rows} rows of {seats} seats. {empty} seats are empty. How many seats are taken? {NUMBER_ONLY}"
    return Prompt(text, str(rows * seats - empty), "numeric")


# (from, to, factor): every conversion multiplies a whole number by a whole factor, so answers are exact.
CONVERSIONS = (
    ("kilometres", "metres", 1000),
    ("hours", "minutes", 60),
    ("minutes", "seconds", 60),
    ("kilograms", "grams", 1000),
    ("litres", "millilitres", 1000),
    ("feet", "inches", 12),
    ("yards", "feet", 3),
    ("days", "hours", 24),
    ("weeks", "days", 7),
    ("metres", "centimetres", 100),
)


def units(seed: int, size: int = GENERATED_SIZE) -> list[Prompt]:
    """Unit conversions with exact answers, in words; the same seed gives the same set."""
    rng = random.Random(seed)
    prompts = []
    for i in range(size):
        source, target, factor = CONVERSIONS[i % len(CONVERSIONS)]
        amount = rng.randint(2, 250)
        text = f"A recipe for a trip says {amount} {source}. How many {target} is that? {NUMBER_ONLY}"
        prompts.append(Prompt(text, str(amount * factor), "numeric"))
    return prompts


def routing() -> Dataset:
    """The packaged easy/hard mix; each line is a dataset line plus `hard: true|false`."""
    text = resources.files(_PACKAGE).joinpath("datasets", "routing.jsonl").read_text(encoding="utf-8")
    prompts, hard = [], []
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            prompts.append(Prompt(row["prompt"], row.get("answer"), row.get("match", "exact")))
            hard.append(bool(row["hard"]))
    return Dataset("builtin:routing", tuple(prompts), tuple(hard))


def rubric() -> str:
    """The published rubric the judge grades with (datasets/judge-rubric.md)."""
    return resources.files(_PACKAGE).joinpath("datasets", "judge-rubric.md").read_text(encoding="utf-8")

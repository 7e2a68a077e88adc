"""Hostile input never breaks `deploy validate`: arbitrary YAML-shaped text, mutated example specs (their data
and their text), and random unicode and bytes each get an answer (a valid spec, or exit 2 with every error at
`FILE:LINE:COL:`), never a traceback, within MAX_SECONDS and MAX_MEGABYTES per input (harness.py).

The CI run feeds 600 inputs in all; DEEPSEEK_FUZZ_EXAMPLES=10000 is the long run (README, "Hostile input").
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .harness import assert_answered, examples, long_run, validate
from .strategies import EXAMPLE_TEXTS, mutated_examples, mutated_text, raw_bytes, to_yaml, unicode_text, yaml_shaped

STRATEGIES = 4
SETTINGS = settings(
    max_examples=examples() // STRATEGIES,
    deadline=None,
    derandomize=not long_run(),
    database=None,
    suppress_health_check=list(HealthCheck),
)

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module", autouse=True)
def warm() -> None:
    """The first run imports the CLI, builds the models and reads the catalog: not a cost of any one input."""
    validate(EXAMPLE_TEXTS[0], "warm-up")


@SETTINGS
@given(yaml_shaped)
def test_yaml_shaped_text(text):
    assert_answered(validate(text, "validate: YAML-shaped text"))


@SETTINGS
@given(mutated_examples())
def test_mutated_example_specs(document):
    assert_answered(validate(to_yaml(document), "validate: mutated example specs"))


@SETTINGS
@given(mutated_text())
def test_mutated_example_text(text):
    assert_answered(validate(text, "validate: mutated example text"))


@SETTINGS
@given(st.one_of(unicode_text, raw_bytes))
def test_random_unicode_and_bytes(content):
    assert_answered(validate(content, "validate: random unicode and bytes"))

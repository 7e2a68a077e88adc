"""Hypothesis strategies: documents generated from the published JSON Schema, mutations of the example specs,
YAML-shaped text, and arbitrary unicode and bytes.

The schema-driven documents are mostly valid, with a few values gone wrong (a wrong type, a near-miss of a
pattern such as a trailing newline, a bound crossed, an unknown key), so both verdicts get exercised.
"""

from __future__ import annotations

import copy
import math
import re
from typing import Any

import yaml
from hypothesis import strategies as st

from deepseek_deploy.stacks.spec import patterns

from ..conftest import EXAMPLES, REPO

# Gateway specs (kind: gateway) and the tier specs they name; harness.py writes the tiers next to each fuzzed file.
GATEWAY_EXAMPLES = sorted((REPO / "examples" / "hybrid").glob("assistant*.yaml"))
TIER_EXAMPLES = sorted(path for path in (REPO / "examples" / "hybrid").glob("*.yaml") if path not in GATEWAY_EXAMPLES)

WILD_PERCENT = 2  # of the values in a schema-driven document, how many are drawn from WILD instead
ANCHORED = re.compile(r"^\^\(\?:(?P<body>.*)\)\$\(\?!\\n\)$", re.DOTALL)

# Values of every type YAML can produce, and the ones that broke loaders before: numbers as text, floats that
# are whole, huge and non-finite numbers, booleans as text, trailing newlines, tokens, dates, bytes.
WILD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    st.sampled_from([0, -1, 1, 3.0, 1e9, 1e300, 10**20, math.inf, -math.inf, math.nan, 0.5, -0.0]),
    st.sampled_from(["3", "1e9", "true", "yes", "null", "", " ", "auto", "latest", "0.0.0.0/0", "\n", "x\n"]),
    st.sampled_from(["hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "AKIAIOSFODNN7EXAMPLE", "kube-system"]),
    st.text(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.dates(),
    st.binary(max_size=8),
)

# Valid values that a pattern alone rarely yields (the image must also be pinned: the schema's allOf).
SAMPLES = {
    patterns.IMAGE: [
        "vllm/vllm-openai:v0.11.0",
        "registry.example.com:5000/team/vllm-openai:0.10.1-cu128",
        "vllm/vllm-openai@sha256:" + "0a" * 32,
        "vllm/vllm-openai:latest@sha256:" + "f" * 64,
        "vllm/vllm-openai:nightly-2025",
    ],
}


def _near_miss(value: str) -> st.SearchStrategy[str]:
    """A string that almost matches: a trailing newline or space, other case, one character less or more."""
    return st.sampled_from(
        [value + "\n", value + " ", " " + value, value.upper(), value.lower(), value[:-1], value + "-", value + "\r"]
    )


def _regex(pattern: str) -> st.SearchStrategy[str]:
    anchored = ANCHORED.match(pattern)
    if anchored:
        return st.from_regex(anchored.group("body"), fullmatch=True)
    return st.from_regex(pattern.replace("$(?!\\n)", "$"))


@st.composite
def _value(draw: st.DrawFn, base: st.SearchStrategy[Any], negatives: st.SearchStrategy[Any]) -> Any:
    """Mostly what the schema describes; now and then a wild value, a near miss or a value its `not` names."""
    roll = draw(st.integers(0, 99))
    if roll < WILD_PERCENT:
        return draw(WILD)
    if roll < 2 * WILD_PERCENT:
        return draw(negatives)
    value = draw(base)
    if roll < 3 * WILD_PERCENT and isinstance(value, str):
        return draw(_near_miss(value))
    return value


class FromSchema:
    """Strategies for the instances of a JSON Schema (the subset `deploy schema` uses)."""

    def __init__(self, root: dict[str, Any]):
        self.root = root
        self.refs: dict[str, st.SearchStrategy[Any]] = {}

    def __call__(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        return _value(self._base(schema), self._negatives(schema))

    def _negatives(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        """Values the schema's `not` names (a reserved namespace, an `aws:` tag key), else wild ones."""
        refused = schema.get("not", {})
        options = [st.sampled_from(refused["enum"])] if "enum" in refused else []
        options += [_regex(branch["pattern"]) for branch in refused.get("anyOf", []) if "pattern" in branch]
        options += [_regex(refused["pattern"])] if "pattern" in refused else []
        return st.one_of(options) if options else WILD

    def _ref(self, ref: str) -> st.SearchStrategy[Any]:
        name = ref.rsplit("/", 1)[-1]
        if name not in self.refs:
            self.refs[name] = st.deferred(lambda: self(self.root["$defs"][name]))
        return self.refs[name]

    def _base(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        if "$ref" in schema:
            return self._ref(schema["$ref"])
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(schema["enum"])
        if "then" in schema and "else" in schema and "properties" not in schema:  # the spec's kinds
            return st.one_of(self(schema["then"]), self(schema["else"]))
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            siblings = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf", "description", "default")}
            return st.one_of([self({**siblings, **branch}) for branch in branches])
        types = schema.get("type", "object" if "properties" in schema else "string")
        if isinstance(types, list):
            return st.one_of([self._typed({**schema, "type": t}) for t in types])
        return self._typed(schema)

    def _typed(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        kind = schema["type"]
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            low, high = schema.get("minItems", 0), schema.get("maxItems", 6)
            return st.lists(self(schema.get("items", {})), min_size=max(0, low - 1), max_size=min(high + 1, 6))
        if kind == "string":
            if "pattern" in schema:
                samples = SAMPLES.get(schema["pattern"])
                return (
                    st.one_of(_regex(schema["pattern"]), st.sampled_from(samples))
                    if samples
                    else _regex(schema["pattern"])
                )
            low, high = schema.get("minLength", 0), schema.get("maxLength", 30)
            return st.text(min_size=max(0, low - 1), max_size=min(high + 1, 40))
        if kind in ("integer", "number"):
            return self._number(schema)
        return st.booleans() if kind == "boolean" else st.none()

    def _number(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        """In range mostly; a bound, or one past it, now and then; whole numbers also as floats (3.0)."""
        low = schema.get("minimum", schema.get("exclusiveMinimum", -1000))
        high = schema.get("maximum", schema.get("exclusiveMaximum", 10**6))
        edges = st.sampled_from([low, high, low - 1, high + 1, low + 1, high - 1])
        whole = st.integers(min_value=math.ceil(low), max_value=math.floor(high))
        if schema["type"] == "integer":
            inside = st.one_of(whole, whole.map(float))
        else:
            floats = st.floats(low, high, exclude_min="exclusiveMinimum" in schema)
            inside = st.one_of(whole, floats) if math.ceil(low) <= math.floor(high) else floats
        return st.tuples(st.integers(0, 9), inside, edges).map(lambda drawn: drawn[2] if drawn[0] == 0 else drawn[1])

    def _object(self, schema: dict[str, Any]) -> st.SearchStrategy[Any]:
        properties = schema.get("properties")
        if properties is None:  # a mapping of names: tags, pii
            keys = self(schema.get("propertyNames", {"type": "string"})).filter(
                lambda k: not isinstance(k, (list, dict))
            )
            values = self(schema.get("additionalProperties", {}))
            return st.dictionaries(keys, values, max_size=min(schema.get("maxProperties", 5) + 1, 6))
        # Keys an if/then requires (escalate_to, for the strategies that escalate) are drawn always.
        required = set(schema.get("required", ())) | set(schema.get("then", {}).get("required", ()))
        fixed = {k: self(v) for k, v in properties.items() if k in required}
        optional = {k: self(v) for k, v in properties.items() if k not in required}
        unknown = st.dictionaries(st.sampled_from([f"{k}x" for k in properties] + ["extra"]), WILD, max_size=1)
        return st.tuples(st.fixed_dictionaries(fixed, optional=optional), st.integers(0, 99), unknown).map(
            lambda drawn: {**drawn[0], **drawn[2]} if drawn[1] < WILD_PERCENT else drawn[0]
        )


# ---------------------------------------------------------------- mutations of the examples

EXAMPLE_TEXTS = [path.read_text() for path in (*EXAMPLES, *GATEWAY_EXAMPLES)]
EXAMPLE_DATA = [yaml.safe_load(text) for text in EXAMPLE_TEXTS]
SECTIONS = sorted({key for data in EXAMPLE_DATA for key in data})


def _containers(node: Any, path: tuple = ()) -> list[tuple]:
    found = [path] if isinstance(node, (dict, list)) and node else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found += _containers(child, (*path, key))
    return found


def _at(node: Any, path: tuple) -> Any:
    for key in path:
        node = node[key]
    return node


@st.composite
def _mutate(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """One change at a random place: a value replaced, a key removed, renamed or added, a section moved in."""
    container = _at(data, draw(st.sampled_from(_containers(data))))
    keys = list(container) if isinstance(container, dict) else list(range(len(container)))
    key = draw(st.sampled_from(keys))
    action = draw(st.sampled_from(["replace", "near-miss", "delete", "rename", "add", "transplant", "duplicate"]))
    value = container[key]
    if action == "replace":
        container[key] = draw(WILD)
    elif action == "near-miss" and isinstance(value, str):
        container[key] = draw(_near_miss(value))
    elif action == "near-miss" and isinstance(value, (int, float)) and not isinstance(value, bool):
        container[key] = draw(st.sampled_from([str(value), float(value), -value, value * 10**6, value + 0.5]))
    elif action == "delete":
        del container[key]
    elif action == "rename" and isinstance(container, dict):
        container[draw(st.sampled_from([f"{key}s", str(key).upper(), f"{key}"[:-1] or "k"]))] = container.pop(key)
    elif action == "add" and isinstance(container, dict):
        container[draw(st.sampled_from([*SECTIONS, "extra", "mode"]))] = draw(WILD)
    elif action == "transplant":
        donor = draw(st.sampled_from(EXAMPLE_DATA))
        section = draw(st.sampled_from(sorted(donor)))
        data[section] = copy.deepcopy(donor[section])
    elif action == "duplicate" and isinstance(container, list):
        container.append(copy.deepcopy(value))


@st.composite
def mutated_examples(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(draw(st.sampled_from(EXAMPLE_DATA)))
    for _ in range(draw(st.integers(1, 3))):
        if _containers(data):
            draw(_mutate(data))
    return data


def to_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


# ---------------------------------------------------------------- text

TOKENS = [
    *("name", "model", "mode", "region", "serving", "cluster", "tags", "guardrail", "budget", "endpoint", "image"),
    *("kind", "gateway", "tiers", "routing", "host", "fast", "reasoning", "r1-serverless.yaml", "api_keys"),
    *("r1", "serverless", "self-hosted", "us-west-2", "bot", "auto", "true", "null", "~", "1e400", ".inf", "0x1F"),
    *(": ", ":", "\n", "\n  ", "\n    ", " ", "- ", "[", "]", "{", "}", ", ", "'", '"', "#", "\t", "\\", "\x00"),
    *("&a ", "*a", "!!str ", "!!binary ", "!!python/object:os.system ", "<<: ", "? ", "---\n", "...\n", "%YAML 1.1\n"),
    *("|\n", ">-\n", "2024-13-45", "9" * 5000, "é", "\u2028", "\ufeff", "\r\n", "@", "`", "!tag ", "=", "*"),
]
yaml_shaped = st.lists(st.sampled_from(TOKENS), max_size=80).map("".join)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """An example's text with characters inserted, deleted or replaced, lines repeated, or cut short."""
    text = draw(st.sampled_from(EXAMPLE_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "repeat", "cut"]))
        piece = draw(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)))
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif action == "replace":
            text = text[:at] + piece + text[at + len(piece) :]
        elif action == "repeat":
            line = text[at:].split("\n", 1)[0]
            text = text[:at] + (line + "\n") * draw(st.integers(1, 50)) + text[at:]
        else:
            text = text[:at]
    return text


unicode_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=400)
raw_bytes = st.binary(max_size=400)

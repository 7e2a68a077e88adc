"""Parse YAML into plain data while remembering where every key and value came from.

Pydantic reports errors by path (``("endpoint", "instance_type")``); this module keeps a map
from such paths to 1-based line/column so every message can say ``FILE:LINE:COL``.
PyYAML silently keeps the last of two equal keys; here a duplicate key is an error.

Hostile input is refused fast, before anything expands: a first pass over the parser's events
(an explicit stack, no recursion) bounds the nesting depth, the number of values, aliases and
documents; building the data then counts every value it produces, so an alias "bomb" that
names a small node many times stops at MAX_VALUES instead of filling the memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[Any, ...]

MAX_DEPTH = 32  # a spec nests four or five levels
MAX_VALUES = 20_000  # every key, value and list item, after aliases are expanded
MAX_ALIASES = 100

try:  # the C loader is several times faster; fall back where libyaml is missing
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


@dataclass(frozen=True)
class Position:
    line: int
    column: int


class YamlSyntaxError(ValueError):
    """Malformed YAML, with the position the parser stopped at."""

    def __init__(self, message: str, position: Position):
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass
class SourceMap:
    """Positions of values and of mapping keys, by path."""

    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)
    # Paths whose value is a mapping or list: a problem with the whole section points at its key.
    containers: set[Path] = field(default_factory=set)

    def locate(self, path: Path, *, prefer_key: bool = False) -> Position:
        """The position of `path`, or of its nearest ancestor that the file spells out."""
        for end in range(len(path), -1, -1):
            prefix = tuple(path[:end])
            table = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            for positions in table:
                if prefix in positions:
                    return positions[prefix]
        return Position(1, 1)


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Budget:
    """Values left to produce; an expansion past it is refused at the node that crosses it."""

    def __init__(self) -> None:
        self.left = MAX_VALUES

    def spend(self, node: yaml.Node) -> None:
        self.left -= 1
        if self.left < 0:
            raise YamlSyntaxError(
                f"the spec expands to more than {MAX_VALUES} values (YAML aliases repeating a section?); "
                "write the spec out plainly",
                _position(node),
            )


def _check_events(text: str) -> None:
    """Depth, size, aliases and documents from the event stream, before any node is built."""
    depth = values = aliases = documents = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlSyntaxError(
                    "found a second YAML document ('---'); a spec file holds exactly one deployment", _mark(event)
                )
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlSyntaxError(
                    f"nesting deeper than {MAX_DEPTH} levels; a spec is a few levels deep", _mark(event)
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise YamlSyntaxError(f"more than {MAX_ALIASES} YAML aliases (*name); write the spec out", _mark(event))
        if isinstance(event, yaml.NodeEvent):
            values += 1
            if values > MAX_VALUES:
                raise YamlSyntaxError(f"more than {MAX_VALUES} values; a spec is a short file", _mark(event))


def _mark(event: yaml.Event) -> Position:
    mark = event.start_mark
    return Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)


def _to_data(
    node: yaml.Node, path: Path, source: SourceMap, constructor: yaml.constructor.SafeConstructor, budget: _Budget
) -> Any:
    budget.spend(node)
    source.values[path] = _position(node)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        source.containers.add(path)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlSyntaxError(
                    "YAML merge keys (<<) are not supported in a spec; write the keys out", _position(key_node)
                )
            key = _construct(constructor, key_node)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise YamlSyntaxError("a key must be a plain scalar such as a name", _position(key_node))
            if key in result:
                first = source.keys[(*path, key)]
                raise YamlSyntaxError(
                    f"duplicate key {_clip(key)} (first given at line {first.line}); keep one of them",
                    _position(key_node),
                )
            source.keys[(*path, key)] = _position(key_node)
            result[key] = _to_data(value_node, (*path, key), source, constructor, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_to_data(item, (*path, i), source, constructor, budget) for i, item in enumerate(node.value)]
    return _construct(constructor, node)


def _clip(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 80 else f"{text[:76]}...{text[-1]}"


def _construct(constructor: yaml.constructor.SafeConstructor, node: yaml.Node) -> Any:
    """One scalar (or a key) as Python data. A value PyYAML recognises but Python cannot hold (an integer of
    more than 4300 digits, a date such as 2024-13-45) is refused at its position, not raised."""
    try:
        return constructor.construct_object(node, deep=True)
    except (ValueError, OverflowError) as error:
        raise YamlSyntaxError(
            f"malformed value: {str(error).split(';')[0]}; quote it to give text", _position(node)
        ) from None


def parse(text: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into plain data and its source map.

    An empty document gives ``None``. Several documents in one file are an error:
    a spec describes exactly one deployment.
    """
    source = SourceMap()
    loader = None
    try:
        _check_events(text)
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            return None, source
        return _to_data(node, (), source, loader, _Budget()), source
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        problem = error.problem or "malformed YAML"
        if "expected a single document" in str(error.context or "") or "but found another document" in problem:
            problem = "found a second YAML document ('---'); a spec file holds exactly one deployment"
        elif error.context:
            problem = f"{problem} ({error.context})"
        raise YamlSyntaxError(f"malformed YAML: {problem}", position) from None
    except yaml.YAMLError as error:  # e.g. a reader error on a control character
        raise YamlSyntaxError(f"malformed YAML: {error}", Position(1, 1)) from None
    except (RecursionError, MemoryError):  # pragma: no cover - the bounds above come first
        raise YamlSyntaxError("the spec is too large or too deeply nested to read", Position(1, 1)) from None
    finally:
        if loader is not None:
            loader.dispose()

"""Bounds on what one input may hold, so that a small hostile file cannot hang, crash or exhaust memory.

Requests, rule files and case files are checked here before anything walks them recursively:
- nesting deeper than :data:`MAX_DEPTH` (the deepest shipped file has 11 levels);
- more than :data:`MAX_NODES` values once YAML aliases are expanded ("billion laughs": 350 bytes
  that expand to a billion strings), and aliases that refer to themselves;
- the same key twice in one mapping (YAML and JSON would keep the last value silently);
- numbers that are not finite (``.nan``, ``.inf``, ``NaN``) or longer than :data:`MAX_NUMBER_DIGITS`
  (whole digits: ``1e308`` is a finite float of 309 of them, and a few sums or products of such
  numbers, weeks as days, a quantity over a daily use, overflow to infinity).
Every walk here is iterative, so depth alone can never raise RecursionError.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import yaml

from imr_rules.errors import InputFileError, Source

MAX_DEPTH = 64
MAX_NODES = 100_000
MAX_DOCUMENT_BYTES = 8 * 2**20
MAX_NUMBER_DIGITS = 15
MAX_KEY_SHOWN = 40

_MERGE_TAG = "tag:yaml.org,2002:merge"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"


def short_key(key: Any) -> str:
    """A mapping key as an error may show it: names are not clinical text, but may be any length."""
    text = str(key)
    return text if len(text) <= MAX_KEY_SHOWN else text[: MAX_KEY_SHOWN - 1] + "…"


def check_node_graph(root: Any, name: str) -> None:
    """Refuse a composed YAML node graph that is too deep, too large expanded, cyclic, or holds a
    duplicate key or an unusable number. Linear in the size of the graph as written (shared
    nodes are measured once), so an alias bomb is refused before it is ever expanded."""
    done: dict[int, tuple[int, int]] = {}  # id(node) -> (expanded size, height)
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = _children(node)
            size = 1 + sum(done[id(c)][0] for c in children)
            height = 1 + max((done[id(c)][1] for c in children), default=0)
            open_nodes.discard(key)
            done[key] = (size, height)
            _check_bounds(size, height, name, node.start_mark.line + 1)
            continue
        if key in done:
            continue
        open_nodes.add(key)
        stack.append((node, True))
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(node, name)
        elif isinstance(node, yaml.MappingNode):
            _check_unique_keys(node, name)
        for child in _children(node):
            if id(child) in open_nodes:
                raise InputFileError("an alias refers to the node that contains it", Source(name, child.start_mark.line + 1),
                                     "remove the self-reference")
            if id(child) not in done:
                stack.append((child, False))


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_bounds(size: int, height: int, name: str, line: int) -> None:
    if height > MAX_DEPTH:
        raise InputFileError(f"nested more than {MAX_DEPTH} levels deep", Source(name, line),
                             "a request, rule or case needs only a few levels")
    if size > MAX_NODES:
        raise InputFileError(f"holds more than {MAX_NODES:,} values once aliases are expanded", Source(name, line),
                             "write the values out, or use fewer aliases")


def _check_unique_keys(node: Any, name: str) -> None:
    first: dict[Any, Any] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
            continue  # merged keys ("<<: *base") may be overridden; only keys written here must be unique
        if key_node.value in first:
            mark, again = first[key_node.value], key_node.start_mark
            places = (f"lines {mark.line + 1} and {again.line + 1}" if mark.line != again.line
                      else f"columns {mark.column + 1} and {again.column + 1}")
            raise InputFileError(f"duplicate key '{short_key(key_node.value)}' ({places})", Source(name, again.line + 1),
                                 "keep one; otherwise the last value would silently win")
        first[key_node.value] = key_node.start_mark


def _check_scalar(node: Any, name: str) -> None:
    if node.tag == _FLOAT_TAG:
        text = node.value.lower()
        try:
            value = math.nan if "nan" in text or "inf" in text else float(text.replace("_", ""))
        except ValueError:
            return  # a YAML 1.1 form float() does not read (sexagesimal): the loader decides
        if not math.isfinite(value):
            raise InputFileError("not a finite number", Source(name, node.start_mark.line + 1), "write a number")
        if _too_long(value):
            raise InputFileError(f"number longer than {MAX_NUMBER_DIGITS} digits", Source(name, node.start_mark.line + 1),
                                 "write a plausible number")
    elif node.tag == _INT_TAG and len(node.value) > MAX_NUMBER_DIGITS + 2:
        raise InputFileError(f"number longer than {MAX_NUMBER_DIGITS} digits", Source(name, node.start_mark.line + 1),
                             "write a plausible number")


class NumberOutOfBounds(Exception):
    """A number read from JSON text is too long or not finite (see :func:`read_int`)."""


def read_int(text: str) -> int:
    """A JSON integer as the decoder reads it, refused while reading when longer than the bound
    (JSON writes no leading zeros, so the digits are the number's)."""
    if len(text) - (text[0] == "-") > MAX_NUMBER_DIGITS:
        raise NumberOutOfBounds(text)
    return int(text)


def read_float(text: str) -> float:
    """A JSON number with a fraction or exponent, refused while reading when it overflows (1e999)
    or has more whole digits than the bound (1e308)."""
    value = float(text)
    if not -_LARGEST_FLOAT < value < _LARGEST_FLOAT:
        raise NumberOutOfBounds(text)
    return value


def plainly_within_size(text: str) -> bool:
    """True where JSON text cannot hold more values than :data:`MAX_NODES` nor nest deeper than
    :data:`MAX_DEPTH`: each value takes a character at least, and each level a bracket. Numbers
    read by :func:`read_int` and :func:`read_float` are within bounds too, so such a record
    needs no walk."""
    return len(text) < MAX_NODES and text.count("{") + text.count("[") < MAX_DEPTH


def check_data(data: Any, where: Callable[[tuple], Source]) -> None:
    """The same bounds over already-parsed data (a JSON Lines record, a mapping given to the library)."""
    if not _plainly_within_bounds(data):
        _check_data_with_paths(data, where)


_LARGEST_INT = 10**MAX_NUMBER_DIGITS
_LARGEST_FLOAT = float(_LARGEST_INT)


def _too_long(value: float) -> bool:
    """A finite float with more whole digits than :data:`MAX_NUMBER_DIGITS`."""
    return abs(value) >= _LARGEST_FLOAT


def _plainly_within_bounds(data: Any) -> bool:
    """True where ``data`` is plain JSON (dict, list, str, int, float, bool, None) within every bound.

    Every JSON Lines record passes through here, and nearly all pass: this walk builds no field
    paths and tests exact types, at a fraction of the cost of :func:`_check_data_with_paths`. False
    means only "not sure" (a bound may be broken, or a value is of another type): that walk then
    decides, and names the place."""
    if type(data) is not dict and type(data) is not list:
        return False
    stack, count = [(data, 1)], 1
    while stack:
        container, depth = stack.pop()
        values = container.values() if type(container) is dict else container
        count += len(values)
        if count > MAX_NODES or (depth >= MAX_DEPTH and values):
            return False
        for value in values:
            kind = type(value)
            if kind is str or kind is bool or value is None:
                continue
            if kind is dict or kind is list:
                stack.append((value, depth + 1))
            elif kind is int:
                if not -_LARGEST_INT < value < _LARGEST_INT:
                    return False
            elif kind is not float or not -_LARGEST_FLOAT < value < _LARGEST_FLOAT:  # NaN fails too
                return False
    return True


def _check_data_with_paths(data: Any, where: Callable[[tuple], Source]) -> None:
    stack: list[tuple[Any, tuple, int]] = [(data, (), 1)]
    count = 0
    while stack:
        value, path, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            raise InputFileError(f"nested more than {MAX_DEPTH} levels deep", where(path[:3]),
                                 "a request, rule or case needs only a few levels")
        if count > MAX_NODES:
            raise InputFileError(f"holds more than {MAX_NODES:,} values", where(()), "split the input")
        if isinstance(value, float) and not math.isfinite(value):
            raise InputFileError("not a finite number", where(path), "write a number")
        if (isinstance(value, float) and _too_long(value)) or (
                isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**MAX_NUMBER_DIGITS):
            raise InputFileError(f"number longer than {MAX_NUMBER_DIGITS} digits", where(path), "write a plausible number")
        if isinstance(value, dict):
            stack.extend((v, path + (k,), depth + 1) for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((v, path + (i,), depth + 1) for i, v in enumerate(value))

"""Nesting depth of JSON text without parsing it, whole or chunk by chunk."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from shared.json_depth import MAX_JSON_DEPTH, JsonDepthGauge, too_deep


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _fed_in_chunks(text: bytes, limit: int, size: int) -> bool:
    gauge = JsonDepthGauge(limit)
    results = [gauge.feed(text[i : i + size]) for i in range(0, len(text), size)]
    return any(results) or gauge.finish()


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_the_limit_itself_passes_one_more_level_does_not() -> None:
    assert not too_deep(_nested(MAX_JSON_DEPTH))
    assert too_deep(_nested(MAX_JSON_DEPTH + 1))
    assert too_deep(b'{"a":' * 10_000 + b"1" + b"}" * 10_000)


@pytest.mark.parametrize(
    "text",
    [
        # Brackets inside strings are text, not nesting.
        b'{"note": "' + b"[" * 200 + b'"}',
        b'["\\"' + b"{" * 200 + b'"]',
        # An escaped backslash ends the escape: the quote after it closes the string.
        b'["a\\\\", "' + b"[" * 200 + b'"]',
        b'{"' + b"[" * 100 + b'": "' + b"]" * 100 + b'"}',
    ],
)
def test_brackets_in_strings_do_not_count(text: bytes) -> None:
    assert json.loads(text) is not None
    assert not too_deep(text)
    for size in (1, 2, 3, 7):
        assert not _fed_in_chunks(text, MAX_JSON_DEPTH, size)


def test_a_close_bracket_in_a_string_does_not_hide_depth() -> None:
    text = b"[" * 40 + b'"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",' + _nested(30) + b"]" * 40
    assert json.loads(text) is not None
    assert too_deep(text)
    assert _fed_in_chunks(text, MAX_JSON_DEPTH, 5)


def test_random_documents_fed_in_random_chunks_agree_with_a_parser() -> None:
    rng = random.Random(14)
    texts = ['a\\"]]', "[[{", "\\\\", 'x"y', "ok"]

    def build(depth: int) -> Any:
        if depth == 0:
            return rng.choice([*texts, 1, None])
        if rng.random() < 0.5:
            return [build(depth - 1) for _ in range(rng.randint(1, 3))]
        return {rng.choice(texts) + str(i): build(depth - 1) for i in range(rng.randint(1, 3))}

    for _ in range(200):
        document = build(rng.randint(1, 9))
        text = json.dumps(document).encode()
        depth = _depth(document)
        for limit in (depth - 1, depth):
            assert _fed_in_chunks(text, limit, rng.randint(1, 20)) is (depth > limit)

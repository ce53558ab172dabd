"""Trainer-only blocks: ``::: kind key=value ...`` up to a closing ``:::`` line.

The learner's Markdown is the body with the blocks cut out; the guide's Markdown keeps a
placeholder paragraph where each block stood, so the block lands in place after rendering.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError
from .model import BlockKind

_OPEN = re.compile(r"^:::\s*([A-Za-z][\w-]*)\s*(.*?)\s*$")
_CLOSE = re.compile(r"^:::\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")

PLACEHOLDER = "TRAINERBLOCK{}END"


@dataclass(frozen=True, slots=True)
class RawBlock:
    kind: BlockKind
    attrs: dict[str, str]
    markdown: str
    line: int
    body_line: int = field(default=0)


@dataclass(frozen=True, slots=True)
class SplitBody:
    learner_markdown: str
    guide_markdown: str
    blocks: tuple[RawBlock, ...]
    errors: tuple[ContentError, ...]


def split_blocks(body: str, path: Path, first_line: int) -> SplitBody:
    """Cut trainer-only blocks out of a Markdown body that starts at file line ``first_line``."""
    learner: list[str] = []
    guide: list[str] = []
    blocks: list[RawBlock] = []
    errors: list[ContentError] = []
    current: tuple[BlockKind, dict[str, str], int, list[str]] | None = None
    in_fence = False

    def close() -> None:
        nonlocal current
        assert current is not None
        block_kind, attrs, start, lines = current
        blocks.append(RawBlock(block_kind, attrs, "\n".join(lines), start, start + 1))
        guide.extend(["", PLACEHOLDER.format(len(blocks) - 1), ""])
        learner.append("")
        current = None

    for offset, line in enumerate(body.split("\n")):
        lineno = first_line + offset
        if current is not None and _OPEN.match(line):
            # A block opens before the last one closed: the ':::' is missing where the last
            # one should end, so say so there, and read the new block as a block.
            errors.append(ContentError(path, current[2], f"block '{current[0]}' is never closed by ':::'"))
            close()
        if current is None and _FENCE.match(line):
            in_fence = not in_fence
        if in_fence and current is None:
            learner.append(line)
            guide.append(line)
            continue
        if current is not None:
            if _CLOSE.match(line):
                close()
            else:
                current[3].append(line)
            continue
        opened = _OPEN.match(line)
        if opened:
            name, rest = opened.groups()
            kind: BlockKind | None
            try:
                kind = BlockKind(name)
            except ValueError:
                known = ", ".join(k.value for k in BlockKind)
                errors.append(ContentError(path, lineno, f"unknown block kind {name!r} (use {known})"))
                kind = None
            attrs, attr_error = _parse_attrs(rest)
            if attr_error:
                errors.append(ContentError(path, lineno, attr_error))
            if kind is not None:
                current = (kind, attrs, lineno, [])
                continue
            current = (BlockKind.FACILITATOR_NOTES, {}, lineno, [])  # swallow until ':::'
            continue
        if _CLOSE.match(line):
            errors.append(ContentError(path, lineno, "':::' closes a block that was never opened"))
            continue
        learner.append(line)
        guide.append(line)

    if current is not None:
        errors.append(ContentError(path, current[2], f"block '{current[0]}' is never closed by ':::'"))
    return SplitBody("\n".join(learner), "\n".join(guide), tuple(blocks), tuple(errors))


def _parse_attrs(text: str) -> tuple[dict[str, str], str | None]:
    attrs: dict[str, str] = {}
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        return attrs, f"block attributes: {exc}"
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or not key:
            return attrs, f"block attribute {token!r} must be written key=value"
        attrs[key] = value
    return attrs, None

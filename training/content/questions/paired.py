"""What matching and ordering share: items placed against something (a right side, a position).

The authored feedback of an item describes it in its right place, so the review shows it only
when the learner put the item there: a wrong pairing never gets the right pairing's feedback.
"""

from __future__ import annotations

from ..giftio import (
    FEEDBACK_COMMENT,
    MOODLE_TRIM,
    Context,
    GiftQuestion,
    comment_id,
    restore,
    split_format,
    to_markdown,
    unescape,
)

Pair = tuple[str, str, int, list[str], str]
"""(left text, right text, line, feedback lines, option id)"""


def read_pairs(question: GiftQuestion, ctx: Context, ordering: bool) -> list[Pair]:
    """``=left -> right`` pairs; feedback comes from ``// feedback:`` lines under a pair, else it
    states the pair (with a note)."""
    pairs: list[Pair] = []
    derived = 0
    for segment in question.segments("="):
        line = segment.line
        left, arrow, right = segment.body.partition("->")
        if not arrow:
            ctx.error(line, "a matching pair needs '->': =left -> right")
            continue
        if "#" in segment.body:
            ctx.error(
                line,
                "Moodle has no '#feedback' for matching pairs and would show it as part of the "
                "answer: write it on a '// feedback: ...' line under the pair, or escape it as \\#",
            )
        fmt, left = split_format(left.strip(MOODLE_TRIM), question.format)
        left_text = " ".join(to_markdown(fmt, left, line, ctx).split("\n")).strip()
        right_text = " ".join(restore(right).split("\n")).strip(MOODLE_TRIM)
        if not left_text:
            ctx.note(
                line,
                f"skipped: the extra right side {right_text!r} ('= -> ...'); every right side here "
                "belongs to one left side",
            )
            continue
        feedback = [
            unescape(m.group(1))
            for offset, _n, comment in question.block.comments
            if segment.start <= offset < segment.end and (m := FEEDBACK_COMMENT.match(comment))
        ]
        if not any(f.strip() for f in feedback):
            derived += 1
            feedback = [f"Position {right_text}." if ordering else f"{left_text} → {right_text}."]
        pairs.append((left_text, right_text, line, "\n".join(feedback).split("\n"), comment_id(question, segment)))
    if derived:
        ctx.note(
            question.answer_line,
            f"{derived} pair(s) without a '// feedback:' line get feedback that states the right answer",
        )
    return pairs


def is_sequence(pairs: list[Pair]) -> bool:
    """Whether the right sides are exactly 1, 2, ..., n in some order."""
    positions = [pair[1] for pair in pairs]
    return sorted(positions, key=lambda p: int(p) if p.isdigit() else 0) == [str(n) for n in range(1, len(pairs) + 1)]


def declared_ordering(question: GiftQuestion) -> bool:
    return question.tags.get("type", ("", 0))[0] == "ordering"

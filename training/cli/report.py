"""``training report``: commands are added here."""

from __future__ import annotations

COMMANDS: list = []

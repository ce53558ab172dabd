"""Marking a message for the catalogue where Flask may not be imported (the pure rules,
constants): ``N_("Not started")`` returns the message unchanged, ``make messages`` collects
it, and the code that shows it translates it (``gettext(label)``; ``_(label)`` in a template).
"""


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark now, translate later"
    return message

"""What a request carries, read one way everywhere: numbers and ids, page numbers, the query
arguments a page may carry into its links, and characters no request may contain.

Bad input is answered 400 with a sentence saying what was wrong (docs/security.md OUT-5):

* numbers are ASCII digits within the range of the database's integer columns
  (:func:`training.fields.whole_number`); an id in a URL path that is not one is a 404;
* no query argument or form field may carry a control character (NUL above all: PostgreSQL
  cannot store it), and no URL path either;
* links are built from the arguments a page's own forms declare, never from the whole query
  string, so ``?endpoint=``, ``?_method=``, ``?_anchor=``, ``?_scheme=`` or ``?_external=``
  never reach ``url_for``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, Request, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, Map
from wtforms import Form

from ..context import the_request
from ..fields import MAX_ID, whole_number
from ..i18n import gettext

MAX_PAGE = 100_000


class BadParameter(BadRequest):
    """A 400 whose description is a sentence for the person (the error page shows it)."""


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: ASCII digits only, 1 to the largest integer the database
    holds; anything else matches no route (404) instead of reaching a query."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def init_app(app: Flask) -> None:
    """Install the id converter (before any blueprint adds its routes) and the request check."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_control_characters)


def number(raw: str | None, what: str, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """A number from a form field or query argument, or 400 saying which one was wrong."""
    value = whole_number(raw, minimum, maximum)
    if value is None:
        raise BadParameter(
            gettext("“%(name)s” must be a whole number from %(min)s to %(max)s.", name=what, min=minimum, max=maximum)
        )
    return value


def optional_number(raw: str | None, what: str, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """Like :func:`number`, but an absent or empty value is None."""
    return None if not raw else number(raw, what, minimum, maximum)


def page_number() -> int:
    """``?page=``: 1 when absent; a page past the last is brought back by the list itself."""
    return optional_number(request.args.get("page"), "page", 1, MAX_PAGE) or 1


def carried_args(*forms: Form) -> dict[str, Any]:
    """The query arguments a page carries into its links (pages, downloads): the non-empty
    values of its forms' own fields (every value of a repeated one), nothing else from the
    query string."""
    names = {name for form in forms for name in form._fields}
    carried = {name: [v for v in request.args.getlist(name) if v] for name in names}
    return {name: values for name, values in carried.items() if values}


CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
"""Unicode's category Cc ("control"), which is exactly these two ranges (C0, DEL and C1)."""
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
"""The bodies Werkzeug reads fields and files from: any other request has neither."""


def _control(text: str) -> bool:
    return CONTROL.search(text) is not None


def _texts(current: Request) -> Iterable[tuple[str, str]]:
    environ = current.environ
    if environ.get("QUERY_STRING"):  # the arguments' only source (most pages are asked without)
        yield from current.args.items(multi=True)
    if not environ.get("CONTENT_TYPE") or current.mimetype not in FORM_TYPES:
        return  # (the environ first: a missing header costs an exception in ``request.headers``)
    for name, value in current.form.items(multi=True):
        yield name, value.replace("\t", "").replace("\r", "").replace("\n", "")  # text areas may break lines
    for name, upload in current.files.items(multi=True):
        yield name, upload.filename or ""


def refuse_control_characters() -> None:
    """Before any view: a control character (NUL, escape, ...) in the path, a query argument,
    a form field or an uploaded file's name is refused with 400. Fields that must be one line
    (names, organisations) also refuse line breaks and direction overrides, in their own rules
    (:func:`training.fields.text_problem`)."""
    current = the_request()
    if _control(current.path) or any(_control(name) or _control(value) for name, value in _texts(current)):
        raise BadParameter(
            gettext(
                "The request contains a control character (such as NUL) that no field accepts. Remove it and try again."
            )
        )

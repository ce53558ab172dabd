"""HTML -> PDF with WeasyPrint: the only module that imports the PDF library.

Every PDF is PDF/UA-1 (tagged, with the document's title, language and author taken from
the HTML head) and gets bookmarks from the stylesheet's ``bookmark-level`` rules. WeasyPrint
may only read files from ``trainer_guide/templates`` (the stylesheets and fonts): the
documents are made from sanitised content that links nowhere else, and a fetcher that
refuses everything else keeps it so even if a template changes.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from .render import TEMPLATES_DIR, stylesheet

PDF_VARIANT = "pdf/ua-1"


class _TemplatesOnly(URLFetcher):
    """Fetch ``file:`` URLs inside the templates folder; refuse anything else."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols={"file"})
        self.root = root.resolve()

    def fetch(self, url: str, headers: object = None):
        if not url.startswith("file:"):
            raise ValueError(f"refused: {url}")
        from urllib.parse import unquote, urlsplit

        path = Path(unquote(urlsplit(url).path)).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"refused: {url}")
        return super().fetch(url, headers)


def html_to_pdf(html: str, stylesheets: Sequence[str] = ("guide.css", "print.css")) -> bytes:
    """Typeset one document. ``stylesheets`` are names in ``trainer_guide/templates``."""
    fetcher = _TemplatesOnly(TEMPLATES_DIR)
    base_url = TEMPLATES_DIR.as_uri() + "/"
    fonts = FontConfiguration()
    css = [
        CSS(string=stylesheet(name), base_url=base_url, font_config=fonts, url_fetcher=fetcher) for name in stylesheets
    ]
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=css, font_config=fonts, pdf_variant=PDF_VARIANT)


def html_to_pdf_isolated(html: str) -> bytes:
    """:func:`html_to_pdf` in a fresh process. Typesetting the whole course takes about
    700 MB, which a long-lived server worker would keep after the build; a child process
    gives it all back, and a crash in the typesetter cannot take the worker down."""
    context = multiprocessing.get_context("spawn")  # no fork of a threaded server worker
    with context.Pool(processes=1) as pool:
        return pool.apply(html_to_pdf, (html,))

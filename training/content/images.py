"""Images a lesson or a quiz shows: files in the course folder, checked, sized and fingerprinted.

A lesson writes ``![A map of the regions](images/regions.png)``; the path is relative to the
lesson (or quiz) file and must stay inside the course folder. The check refuses, each with the line to
fix: an image without alt text, a file that is missing, outside the course, of another type
than PNG, JPEG or SVG, heavier than :data:`MAX_BYTES`, whose size cannot be read, and an SVG
that could run or fetch anything (see :func:`svg_problem`). A valid image is served at
``/course-images/<path>.<hash>.<ext>``: the hash changes with its bytes, so browsers keep it for
a year; its width and height go into the page so nothing jumps while it loads. A quiz's
images are served by their hash alone (:meth:`CourseImage.opaque`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import imagesize
from defusedxml import ElementTree as SafeElementTree
from defusedxml.common import DefusedXmlException

MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
MAX_BYTES = 1_000_000
"""Learners read on phones over slow links: a lesson image over 1 MB is refused (resize it)."""
URL_PREFIX = "/course-images/"
OPAQUE_FOLDER = "quiz"
"""Quiz images are served under this folder by their bytes' hash alone (see :meth:`CourseImage.opaque`)."""


@dataclass(frozen=True, slots=True)
class CourseImage:
    path: Path
    """The file, absolute, inside the course folder."""
    name: str
    """Its fingerprinted name under :data:`URL_PREFIX`: ``images/regions.3f2a9c1b7e.png``."""
    media_type: str
    width: int
    height: int

    @property
    def url(self) -> str:
        return URL_PREFIX + self.name

    def opaque(self) -> CourseImage:
        """The same image under a name made of its bytes alone (``quiz/<hash>.png``): in a quiz
        option, a file name such as ``right-answer.png`` would tell which option is right."""
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()[:20]
        return replace(self, name=f"{OPAQUE_FOLDER}/{digest}{self.path.suffix.lower()}")


def image_problem_for_src(src: str) -> str | None:
    """Why ``src`` cannot name a course image before looking at any file (or None)."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return f"image {src!r} is not a file of the course: copy it into the course folder and link it by its path"
    if not parts.path or parts.path.startswith("/"):
        return f"image {src!r}: write the path relative to this file, inside the course folder"
    return None


def load_image(course: Path, source: Path, src: str) -> CourseImage | str:
    """The image ``src`` names from the file ``source``, or the reason it is refused."""
    early = image_problem_for_src(src)
    if early:
        return early
    relative = unquote(urlsplit(src).path)
    target = (source.parent / relative).resolve()
    course = course.resolve()
    if not target.is_relative_to(course):
        return f"image {src!r} is outside the course folder: copy it into the course folder"
    media_type = MEDIA_TYPES.get(target.suffix.lower())
    if media_type is None:
        return f"image {src!r}: only PNG, JPEG and SVG images are shown (.png, .jpg, .jpeg, .svg)"
    if not target.is_file():
        return f"image {src!r}: no such file"
    data = target.read_bytes()
    if len(data) > MAX_BYTES:
        return f"image {src!r} is {len(data) // 1000} kB: make it smaller than {MAX_BYTES // 1000} kB for phones"
    if media_type == "image/svg+xml":
        refused = svg_problem(data)
        if refused:
            return f"image {src!r}: {refused}"
    width, height = _size(target, data, media_type)
    if width <= 0 or height <= 0:
        return f"image {src!r}: its width and height cannot be read (is it a {media_type.split('/')[1].upper()} file?)"
    digest = hashlib.sha256(data).hexdigest()[:10]
    name = PurePosixPath(target.relative_to(course).as_posix())
    return CourseImage(target, str(name.with_name(f"{name.stem}.{digest}{name.suffix}")), media_type, width, height)


def _size(path: Path, data: bytes, media_type: str) -> tuple[int, int]:
    if media_type == "image/svg+xml":
        return _svg_size(data)
    try:
        width, height = imagesize.get(str(path))
    except ValueError:
        return -1, -1
    return int(width), int(height)


_LENGTH = re.compile(r"^\s*([0-9.]+)\s*(px)?\s*$")


def _svg_size(data: bytes) -> tuple[int, int]:
    root = SafeElementTree.fromstring(data)
    width, height = (_LENGTH.match(root.get(k, "")) for k in ("width", "height"))
    if width and height:
        return round(float(width[1])), round(float(height[1]))
    box = root.get("viewBox", "").replace(",", " ").split()
    if len(box) == 4:
        try:
            return round(float(box[2])), round(float(box[3]))
        except ValueError:
            return -1, -1
    return -1, -1


# SVG is XML that browsers run: a <script>, an on* handler or a javascript: link runs when the
# file is opened on its own (a learner can open any image in a tab), <foreignObject> embeds
# HTML, and any reference outside the file (href="https://...", url(...) in a style, an
# @import, an external entity) fetches from elsewhere or reads local files. A drawing needs
# none of these, so the file is refused rather than rewritten: the author learns what to
# remove, and the served bytes are exactly the checked bytes. defusedxml refuses entities
# and DTD tricks (billion laughs, external entities) before anything else is looked at.
_SVG_FORBIDDEN = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
_EXTERNAL_IN_STYLE = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import", re.IGNORECASE)


def svg_problem(data: bytes) -> str | None:
    """Why an SVG file is refused (or None when it only draws)."""
    try:
        root = SafeElementTree.fromstring(data)
    except DefusedXmlException:
        return "SVG files may not declare entities or a DTD"
    except SafeElementTree.ParseError as exc:
        return f"not a readable SVG file ({exc})"
    if _local(root.tag) != "svg":
        return "not an SVG file (its first element is not <svg>)"
    for element in root.iter():
        tag = _local(element.tag).lower()
        if tag in _SVG_FORBIDDEN:
            return f"SVG images may not contain <{_local(element.tag)}>"
        if tag == "style" and _EXTERNAL_IN_STYLE.search(element.text or ""):
            return "SVG images may not load anything from outside the file (url() or @import in <style>)"
        for key, value in element.attrib.items():
            name = _local(key).lower()
            if name.startswith("on"):
                return f"SVG images may not contain event handlers ({name}=)"
            if name == "href" and not value.strip().startswith("#"):
                return f"SVG images may not refer to anything outside the file (href={value.strip()[:40]!r})"
            if _EXTERNAL_IN_STYLE.search(value):
                return f"SVG images may not load anything from outside the file (url() in {name}=)"
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""

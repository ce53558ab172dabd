"""Blueprint "offline": the installable app and reading without a connection.

* ``/manifest.webmanifest`` and ``/icons/<size>.png``: what a phone needs to install the
  platform from the browser (name and icons from the course), no app store.
* ``/sw.js``: the service worker, at the site root so that it may answer for every page.
  It keeps nothing on its own: pages are stored only when the learner saves a unit, in
  storage named for that learner's account (docs/offline.md).
* ``/offline``: the page shown for anything not saved while there is no connection.
* ``/saved``: the list of saved units, with removal.
* ``/offline/units.json``: what saving each unit stores, and its size, for the "save" buttons.
* ``/offline/sync``: where a device sends the "mark as read" requests it queued offline,
  each with its idempotency key.

Everything here is an addition: with JavaScript off, no page depends on it.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from functools import lru_cache
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    get_template_attribute,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup

from .. import offline
from ..content import Lesson, Unit
from ..content.colours import PAGE_BACKGROUND, palette
from ..context import the_app, the_person, the_request
from ..course import get_catalogue, get_course
from ..i18n import TRANSLATIONS_DIR, current_language, gettext, offered
from ..progress import Status
from ..security import csrf_token
from ..services import learning
from . import learn
from .access import PUBLIC, SIGNED_IN, access
from .assets import asset_url
from .learn import lesson_parts

bp = Blueprint("offline", __name__)

ICON_SIZES = (192, 512)
ACCOUNT_HEADER = "Offline-Account"
MAX_SYNC_ACTIONS = 200
OFFLINE_ASSETS = ("site.css", "offline-store.js", "offline.js")
"""The static files a saved page needs besides itself."""


def account_key(user_id: int) -> str:
    return offline.account_key(the_app().config["SECRET_KEY"], user_id)


def saving_request() -> bool:
    return offline.saving(the_request().environ)


@bp.app_context_processor
def _offline_globals() -> dict:
    """The version a saved copy is compared with: the course's, in the page's language (a
    translated view's version names its language, so a learner who changes language gets
    the saved units again in the new one)."""
    return {"content_version": get_course().version}


@bp.app_template_global("offline_account")
def offline_account() -> str:
    """The signed-in learner's storage name on a device (see training.offline.account_key)."""
    return account_key(current_user.id)


@bp.app_template_global("offline_save_control")
def offline_save_control(which: str, label: str, describedby: str | None = None) -> Markup:
    """The "save for offline use" control (``save_control`` in ``offline/_macros.html``), made
    once per language and unit: the course map shows one per unit."""
    return _save_control(current_language(), which, label, describedby)


@lru_cache(maxsize=1024)
def _save_control(language: str, which: str, label: str, describedby: str | None) -> Markup:
    macro = get_template_attribute("offline/_macros.html", "save_control")
    rendered: Markup = macro(which, label, describedby)  # a macro's output is Markup already (escaped)
    return rendered


@bp.app_template_global("idempotency_key")
def idempotency_key() -> str:
    """A fresh key for a form whose request a device may send again (``mark as read``)."""
    return secrets.token_urlsafe(18)


@bp.after_app_request
def name_the_account(response: Response) -> Response:
    """A saved page carries the account it was rendered for, so the device never files one
    learner's page under another's storage (two tabs, a sign-in in between)."""
    if saving_request():
        person = the_person()
        if person.is_authenticated:
            response.headers[ACCOUNT_HEADER] = account_key(person.id)
    return response


@bp.route("/manifest.webmanifest")
@access(PUBLIC)
def manifest():
    language = current_language()
    course = get_course().course
    title = course.name
    icons = [
        {"src": url_for("offline.icon", size=size), "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
        for size in ICON_SIZES
    ]
    icons.append(
        {
            "src": url_for("offline.icon", size=512, maskable=1),
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        }
    )
    body = {
        "name": title,
        "short_name": offline.short_name(title),
        "id": url_for("learn.course_map"),
        "start_url": url_for("learn.course_map"),
        "scope": "/",
        "display": "standalone",
        "lang": language,
        "theme_color": palette(course.colours)["main"],
        "background_color": PAGE_BACKGROUND,
        "icons": icons,
    }
    response = jsonify(body)
    response.mimetype = "application/manifest+json"
    response.cache_control.max_age = 3600
    return response


@lru_cache(maxsize=8)
def _icon_png(mark: str, colour: str, size: int, maskable: bool) -> bytes:
    """The course mark, white on the course's main colour, drawn once per process."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    if not maskable:  # a rounded tile on the page colour; a maskable icon fills its square
        image.paste(PAGE_BACKGROUND, (0, 0, size, size))
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 6, fill=colour)
    # The text stays inside the central 80% that every launcher's mask keeps.
    font = ImageFont.load_default(size=int(size * (0.30 if maskable else 0.40)))
    draw.text((size / 2, size / 2), mark, fill="#ffffff", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


@bp.route("/icons/<int:size>.png")
@access(PUBLIC)
def icon(size: int):
    if size not in ICON_SIZES:
        abort(404)
    course = get_catalogue().course
    png = _icon_png(course.short_mark, palette(course.colours)["main"], size, request.args.get("maskable") == "1")
    response = Response(png, mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.route("/sw.js")
@access(PUBLIC)
def service_worker():
    """The service worker. Browsers check it for changes on every visit; its text changes
    when the files it keeps for the offline page change."""
    offline_pages = {language: url_for("offline.offline_page", lang=language) for language in offered()}
    precache = [*offline_pages.values(), *(asset_url(name) for name in OFFLINE_ASSETS)]
    body = render_template(
        "offline/sw.js",
        precache=precache,
        offline_pages=offline_pages,
        default_language=current_app.config["DEFAULT_LANGUAGE"],
        store=asset_url("offline-store.js"),
        shell_version=_shell_version(precache),
    )
    response = Response(body, mimetype="text/javascript")
    response.cache_control.no_cache = True
    return response


@lru_cache(maxsize=1)
def _messages_digest() -> str:
    """The translated messages the offline pages are written in (a new translation is a new
    offline page for the device to keep)."""
    digest = hashlib.sha256()
    for path in sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.mo")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _shell_version(precache: list[str]) -> str:
    """Changes when the offline page or a file kept with it changes, so devices fetch them again."""
    loader = current_app.jinja_env.loader
    assert loader is not None  # the app's templates folder
    source, _, _ = loader.get_source(current_app.jinja_env, "offline/offline.html")
    parts = [*precache, get_catalogue().version, source, _messages_digest()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


@bp.route("/offline")
@access(PUBLIC)
def offline_page():
    """Shown by the service worker for a page that is not saved, while there is no connection.
    The device keeps one copy per language for every account, so it is always rendered
    signed out (``?lang=`` names the language)."""
    return render_template("offline/offline.html")


@bp.route("/saved")
@access(SIGNED_IN)
def saved():
    return render_template("offline/saved.html")


@bp.route("/offline/units.json")
@access(SIGNED_IN)
def units():
    """What saving each unit stores on the device, and about how much room it takes."""
    catalogue = get_course()
    lesson_bytes = {
        (unit.id, lesson.id): _lesson_page_bytes(unit, lesson) for unit in catalogue.units for lesson in unit.lessons
    }
    assets = {name: asset_url(name) for name in OFFLINE_ASSETS}
    # The pages every saved unit brings along, as this learner gets them (views render, no writes).
    shared_pages = len(learn.course_map()) + len(saved().encode())
    static_folder = current_app.static_folder or ""
    return jsonify(
        {
            "account": account_key(current_user.id),
            "content_version": catalogue.version,
            "lang": current_language(),
            "course_map": url_for("learn.course_map"),
            "saved_list": url_for("offline.saved"),
            "assets": list(assets.values()),
            "shared_bytes": shared_pages + sum((Path(static_folder) / name).stat().st_size for name in assets),
            "units": [
                {
                    "id": unit.id,
                    "order": unit.order,
                    "title": unit.title,
                    "version": offline.unit_version(unit),
                    "page": url_for("learn.unit", unit_id=unit.id),
                    "lessons": [
                        {
                            "id": lesson.id,
                            "title": lesson.title,
                            "url": url_for("learn.lesson", unit_id=unit.id, lesson_id=lesson.id),
                            "bytes": lesson_bytes[(unit.id, lesson.id)],
                        }
                        for lesson in unit.lessons
                    ],
                    "handout": url_for("guide.handout", unit_id=unit.id),
                    "handout_bytes": None,
                    "quiz": unit.quiz_id is not None,
                    "bytes": len(learn.unit(unit.id).encode())
                    + sum(lesson_bytes[(unit.id, lesson.id)] for lesson in unit.lessons),
                }
                for unit in catalogue.units
            ],
        }
    )


def _lesson_page_bytes(unit: Unit, lesson: Lesson) -> int:
    """The size of the lesson page as this learner gets it (the text, rendered once per
    lesson, in this learner's page frame)."""
    parts = lesson_parts(get_course().version, unit.id, lesson.id, current_language())
    page = render_template("learn/lesson.html", unit=unit, lesson=lesson, parts=parts, status=Status.NOT_STARTED)
    return len(page.encode())


@bp.route("/offline/sync", methods=["GET"])
@access(SIGNED_IN)
def sync_session():
    """Who is signed in here (as the device names the account) and a form token: the device
    sends queued requests only for the account they were made in."""
    response = jsonify({"account": account_key(current_user.id), "csrf_token": csrf_token()})
    return response


@bp.route("/offline/sync", methods=["POST"])
@access(SIGNED_IN)
def sync():
    """Apply the "mark as read" requests a device queued while offline, each at most once."""
    payload = request.get_json(silent=True)
    actions = payload.get("actions") if isinstance(payload, dict) else None
    if not isinstance(actions, list) or not 0 < len(actions) <= MAX_SYNC_ACTIONS:
        message = gettext("Send between 1 and %(most)s actions as {'actions': [...]}.", most=MAX_SYNC_ACTIONS)
        return jsonify({"error": message}), 400
    reads, rejected = offline.read_queued(actions, get_catalogue())
    applied = iter(learning.record_queued_reads(current_user.id, reads))
    keys = iter(reads)
    results = []
    for index, action in enumerate(actions):
        if index in rejected:
            key = action.get("key") if isinstance(action, dict) else None
            results.append({"key": key if isinstance(key, str) else None, "status": rejected[index]})
        else:
            results.append({"key": next(keys).key, "status": "recorded" if next(applied) else "duplicate"})
    return jsonify({"results": results})

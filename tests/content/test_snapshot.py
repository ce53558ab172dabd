"""A built course kept between processes (``training.content.snapshot``): taken instead of a
build only while everything the build reads is unchanged and only when written under this
secret key; any change, anywhere the build looks, means a new build and its verdict."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from training.content import ContentInvalid, build_catalogue, snapshot
from training.content.coursefile import LOGO_MAX_BYTES

from ..helpers import FIXTURES, ROOT, TRANSLATED
from .test_check import broken_course

SECRET = "snapshot-test-secret-key-long-enough-0123456789"
IMAGES = FIXTURES / "content" / "rendering"


def kept(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{snapshot.SUFFIX}"))


def no_build(_content_dir: Path):
    raise AssertionError("the course was built again")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """The small course with images, one of them outside the folders of lessons and quizzes,
    and a certificate logo beside ``course.yaml``."""
    folder = broken_course("rendering", tmp_path, cases=FIXTURES / "content")
    (folder / "figures").mkdir()
    shutil.move(folder / "modules" / "01-alpha" / "images" / "arrivals.png", folder / "figures" / "arrivals.png")
    lesson = folder / "modules" / "01-alpha" / "01-first-steps.md"
    lesson.write_text(lesson.read_text().replace("(images/arrivals.png)", "(../../figures/arrivals.png)"))
    shutil.copy(IMAGES / "quizzes" / "images" / "right-answer.png", folder / "logo.png")
    settings = folder / "course.yaml"
    settings.write_text(settings.read_text().replace("issuer:\n", "issuer:\n  logo: logo.png\n", 1))
    return folder


def test_a_second_load_takes_the_kept_course_in_every_language(tmp_path: Path, monkeypatch):
    course = tmp_path / "course"
    shutil.copytree(TRANSLATED, course)
    built = snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    assert len(kept(tmp_path / "kept")) == 1

    monkeypatch.setattr(snapshot, "build_catalogue", no_build)
    loaded = snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    assert loaded.languages == built.languages == ("en", "fr", "es", "ar")
    for language in built.languages:
        assert loaded.in_language(language) == built.in_language(language)
        assert loaded.in_language(language).course == built.in_language(language).course
    french = loaded.in_language("fr")
    assert french.units[0].lessons[0].title != loaded.units[0].lessons[0].title
    # What the French text does not translate is the source's own object, as after a build.
    untranslated = [q for q in french.quizzes if french.quizzes[q] is loaded.quizzes[q]]
    assert untranslated == [q for q in built.quizzes if built.in_language("fr").quizzes[q] is built.quizzes[q]]


def test_the_kept_course_has_the_images_and_logo_a_build_finds(course: Path, tmp_path: Path, monkeypatch):
    built = snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    monkeypatch.setattr(snapshot, "build_catalogue", no_build)
    loaded = snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    assert loaded.images == built.images and len(loaded.images) >= 4
    assert loaded.course.logo == built.course.logo == course / "logo.png"
    assert snapshot.used_files(loaded) == sorted(
        {course / "logo.png", *(image.path for image in built.images.values())}
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


EDITS = {
    "a lesson's text": (
        lambda c: _edit(c / "modules/01-alpha/02-second-steps.md", "title: Second steps", "title: Second steps, new"),
        lambda cat: cat.unit("alpha").lessons[1].title == "Second steps, new",
    ),
    "a quiz's words": (
        lambda c: _edit(c / "quizzes/beta.md", "title: Beta quiz", "title: Beta quiz, edited"),
        lambda cat: cat.quiz_for_unit("beta").title == "Beta quiz, edited",
    ),
    "a page of the guide": (
        lambda c: (c / "trainer_guide/how-to-use.md").write_text(
            (c / "trainer_guide/how-to-use.md").read_text() + "\nA sentence added to the page.\n"
        ),
        lambda cat: any("A sentence added to the page." in page.html for page in cat.guide.pages),
    ),
    "the course's settings": (
        lambda c: _edit(c / "course.yaml", "name: Fixture Course", "name: Fixture Course Renamed"),
        lambda cat: cat.course.name == "Fixture Course Renamed",
    ),
    "an image outside the lessons' folders": (
        lambda c: Image.new("RGB", (300, 180), "white").save(c / "figures" / "arrivals.png"),
        lambda cat: any(image.path.name == "arrivals.png" and image.width == 300 for image in cat.images.values()),
    ),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_a_change_anywhere_the_build_reads_means_a_new_build(course: Path, tmp_path: Path, edit: str):
    change, shows = EDITS[edit]
    before = snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    assert not shows(before)
    change(course)
    after = snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    assert shows(after)
    assert shows(build_catalogue(course))


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        (lambda c: _edit(c / "modules/01-alpha/02-second-steps.md", "order: 2", "order: [2"), "is not closed"),
        (lambda c: (c / "logo.png").unlink(), "issuer: logo file 'logo.png' not found"),
        (lambda c: (c / "logo.png").write_bytes(b"\x89PNG" + bytes(LOGO_MAX_BYTES)), "logo file is larger than"),
        (lambda c: (c / "figures" / "arrivals.png").unlink(), "arrivals.png"),
        (lambda c: (c / "modules" / "01-alpha" / "Notes.md").write_text("Notes\n"), "Notes.md"),
    ],
    ids=["lesson", "logo deleted", "logo too large", "image deleted", "stray file"],
)
def test_a_course_broken_after_it_was_kept_is_still_refused(course: Path, tmp_path: Path, breakage, message: str):
    snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    breakage(course)
    with pytest.raises(ContentInvalid) as refused:
        snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    assert any(message in str(error) for error in refused.value.errors), refused.value.errors
    assert len(kept(tmp_path / "kept")) == 1  # nothing kept for a course that does not build


def test_a_course_moved_to_another_folder_names_its_new_files(course: Path, tmp_path: Path):
    snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    moved = tmp_path / "moved"
    shutil.copytree(course, moved)
    shutil.rmtree(course)
    catalogue = snapshot.load_or_build(moved, tmp_path / "kept", SECRET)
    assert catalogue.content_dir == moved.resolve()
    assert catalogue.units[0].lessons[0].path.is_relative_to(moved.resolve())


def test_a_snapshot_not_signed_with_this_key_is_not_taken(course: Path, tmp_path: Path, monkeypatch):
    """Replaced on disk by another course's snapshot, signed for its own name or not signed:
    ignored and the course built again; a snapshot written under another secret key is not
    taken either."""
    folder = tmp_path / "kept"
    built = snapshot.load_or_build(course, folder, SECRET)
    [path] = kept(folder)
    snapshot.load_or_build(TRANSLATED, tmp_path / "other", SECRET)
    [other] = kept(tmp_path / "other")
    for replacement in (other.read_bytes(), bytes(32) + other.read_bytes()[32:]):
        path.write_bytes(replacement)
        assert snapshot.load_or_build(course, folder, SECRET) == built

    monkeypatch.setattr(snapshot, "build_catalogue", no_build)
    assert snapshot.load_or_build(course, folder, SECRET) == built  # the course built again was kept
    with pytest.raises(AssertionError, match="built again"):
        snapshot.load_or_build(course, folder, "another secret key, also long enough")


def test_a_signed_snapshot_still_makes_nothing_but_the_course_model(tmp_path: Path):
    """Defence in depth: even under the right key, a pickle naming any other callable is
    refused and the course built again."""
    folder = tmp_path / "kept"
    course = tmp_path / "course"
    shutil.copytree(TRANSLATED, course)
    built = snapshot.load_or_build(course, folder, SECRET)
    [path] = kept(folder)
    witness = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (witness,))

    body = (2).to_bytes(8, "big") + b"{}" + pickle.dumps(Payload())
    path.write_bytes(snapshot._mac(snapshot._mac_key(SECRET), path, body) + body)
    assert snapshot.load_or_build(course, folder, SECRET) == built
    assert not witness.exists()


def test_an_unwritable_folder_costs_a_build_and_nothing_else(course: Path, tmp_path: Path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder would go")
    catalogue = snapshot.load_or_build(course, blocked / "kept", SECRET)
    assert catalogue == build_catalogue(course)
    assert "catalogue snapshot not kept" in caplog.text


def test_only_the_newest_snapshots_are_kept(tmp_path: Path):
    course = tmp_path / "course"
    shutil.copytree(TRANSLATED, course)
    lesson = course / "modules" / "01-alpha" / "02-second-steps.md"
    for word in ["One", "more", "sentence", "each", "time"][: snapshot.KEEP + 2]:
        lesson.write_text(lesson.read_text() + f"\n{word}.\n")
        snapshot.load_or_build(course, tmp_path / "kept", SECRET)
    assert len(kept(tmp_path / "kept")) == snapshot.KEEP
    assert (tmp_path / "kept" / f"{snapshot.inputs_digest(course.resolve())}{snapshot.SUFFIX}").exists()


_AUDIT = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from training.content import build_catalogue
    from training.content.snapshot import used_files

    course = Path(sys.argv[1])
    opened, listed = set(), set()

    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            opened.add(os.path.abspath(os.fsdecode(args[0])))
        elif event in ("os.listdir", "os.scandir"):
            listed.add(os.path.abspath(os.fsdecode(args[0] if args[0] is not None else ".")))

    sys.addaudithook(hook)
    catalogue = build_catalogue(course)
    print(json.dumps({"opened": sorted(opened), "listed": sorted(listed),
                      "used": [str(p) for p in used_files(catalogue)]}))
    """
)


@pytest.mark.parametrize("which", ["shipped course", "images and logo"])
def test_every_file_the_build_opens_and_folder_it_lists_is_in_the_snapshots_name(course: Path, which: str):
    """The build runs in a process of its own under an audit hook: everything it opens is
    code (the ``training`` package's Python files, Python's and the installed distributions'
    own files) or one of the course files the snapshot's name or its list of images covers,
    and every folder it lists is the course folder or one of the folders in the name."""
    folder = (ROOT if which == "shipped course" else course).resolve()
    ran = subprocess.run(
        [sys.executable, "-P", "-c", _AUDIT, str(folder)], capture_output=True, text=True, timeout=300, check=True
    )
    found = json.loads(ran.stdout.splitlines()[-1])
    inputs = {str(path) for path in snapshot.content_inputs(folder)}
    code = Path(snapshot.__file__).resolve().parents[1]
    libraries = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix)}

    def is_code(path: str) -> bool:
        p = Path(path)
        if p.is_relative_to(code):
            return p.suffix == ".py" or (p.suffix == ".pyc" and p.parent.name == "__pycache__")
        installed = p.name.startswith("__editable__") or p.parent.suffix in (".dist-info", ".egg-info")
        return installed or any(p.is_relative_to(library) for library in libraries)

    assert any(p.endswith("unit.md") for p in found["opened"])
    assert [p for p in found["opened"] if p not in inputs and p not in found["used"] and not is_code(p)] == []
    assert [p for p in found["listed"] if p != str(folder) and p not in inputs and not is_code(p)] == []
    if which == "images and logo":
        assert str(folder / "logo.png") in found["used"] and str(folder / "figures" / "arrivals.png") in found["used"]

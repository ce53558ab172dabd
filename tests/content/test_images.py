"""Course images: what the check refuses (and why), and how a lesson's images are served.

The fixture course ``fixtures/content/rendering`` (laid over the minimal course) shows a PNG,
a JPEG and an SVG; ``broken/images_refused`` holds one of each refusal, checked line by line
with the other broken courses in test_check.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from training.content import build_catalogue
from training.content.images import load_image, svg_problem

from ..conftest import FIXTURES
from .test_check import broken_course

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="10">{}</svg>'
)


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    return broken_course("rendering", tmp_path_factory.mktemp("rendering"), cases=FIXTURES / "content")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<script>alert(1)</script>", "SVG images may not contain <script>"),
        ("<foreignObject><p>x</p></foreignObject>", "SVG images may not contain <foreignObject>"),
        ('<rect onclick="alert(1)" width="5" height="5"/>', "SVG images may not contain event handlers (onclick=)"),
        (
            '<a href="javascript:alert(1)"><rect width="5" height="5"/></a>',
            "SVG images may not refer to anything outside the file (href='javascript:alert(1)')",
        ),
        (
            '<image xlink:href="https://t.example/p.png"/>',
            "SVG images may not refer to anything outside the file (href='https://t.example/p.png')",
        ),
        (
            '<rect fill="url(https://t.example/p.svg#g)" width="5" height="5"/>',
            "SVG images may not load anything from outside the file (url() in fill=)",
        ),
        (
            "<style>@import 'https://t.example/x.css';</style>",
            "SVG images may not load anything from outside the file (url() or @import in <style>)",
        ),
    ],
)
def test_svg_that_could_run_or_fetch_anything_is_refused(body: str, message: str):
    assert svg_problem(SVG.format(body).encode()) == message


def test_svg_entities_and_non_svg_files_are_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>'
    assert svg_problem(bomb) == "SVG files may not declare entities or a DTD"
    assert svg_problem(b"<html><body/></html>") == "not an SVG file (its first element is not <svg>)"
    assert svg_problem(b"<svg") is not None and svg_problem(b"<svg").startswith("not a readable SVG file")


def test_a_drawing_with_internal_references_is_accepted():
    body = '<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="5" height="5"/><use href="#g"/>'
    assert svg_problem(SVG.format(body).encode()) is None


def test_images_that_cannot_be_shown_are_refused_with_the_reason(tmp_path: Path):
    lesson = tmp_path / "modules" / "01-a" / "lesson.md"
    lesson.parent.mkdir(parents=True)
    (lesson.parent / "fake.png").write_bytes(b"not a png at all")
    (lesson.parent / "huge.png").write_bytes(b"\x89PNG" + bytes(1_000_001))
    (tmp_path / "outside.svg").write_text("<svg/>")
    assert (
        load_image(tmp_path, lesson, "fake.png")
        == "image 'fake.png': its width and height cannot be read (is it a PNG file?)"
    )
    assert (
        load_image(tmp_path, lesson, "huge.png")
        == "image 'huge.png' is 1000 kB: make it smaller than 1000 kB for phones"
    )
    assert load_image(tmp_path, lesson, "/etc/hostname.png") == (
        "image '/etc/hostname.png': write the path relative to this file, inside the course folder"
    )
    assert load_image(tmp_path / "modules", lesson, "../../outside.svg") == (
        "image '../../outside.svg' is outside the course folder: copy it into the course folder"
    )
    assert load_image(tmp_path, lesson, "data:image/png;base64,AAAA") == (
        "image 'data:image/png;base64,AAAA' is not a file of the course: "
        "copy it into the course folder and link it by its path"
    )


def test_a_lesson_shows_its_images_sized_and_fingerprinted(course: Path):
    catalogue = build_catalogue(course)
    html = catalogue.lesson("alpha", "first-steps").html
    lesson_images = [i for i in catalogue.images.values() if i.name.startswith("modules/")]
    assert sorted(image.media_type for image in lesson_images) == ["image/jpeg", "image/png", "image/svg+xml"]
    chart = next(i for i in lesson_images if i.media_type == "image/png")
    assert (chart.width, chart.height) == (600, 360)
    assert chart.name.startswith("modules/01-alpha/images/arrivals.") and chart.name.endswith(".png")
    assert (
        f'<img alt="Bar chart of arrivals by region: the north highest, then the east" decoding="async" '
        f'height="360" loading="lazy" src="{chart.url}" width="600">'
    ) in html
    assert 'width="300"' in html and 'height="120"' in html  # the SVG's viewBox gives its size


def test_images_are_served_for_a_year_and_anything_else_is_not_found(course: Path, tmp_path: Path):
    from training import create_app

    from ..helpers import make_config

    catalogue = build_catalogue(course)
    app = create_app(make_config(tmp_path, CONTENT_DIR=str(course)), catalogue=catalogue)
    client = app.test_client()
    for image in catalogue.images.values():
        response = client.get(image.url)
        assert response.status_code == 200
        assert response.data == image.path.read_bytes()
        assert response.mimetype == image.media_type
        assert response.cache_control.max_age == 365 * 24 * 3600
        assert response.cache_control.immutable and response.cache_control.public
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        response.close()
    chart = next(i for i in catalogue.images.values() if i.media_type == "image/png" and "arrivals" in i.name)
    stale = chart.url.replace(chart.name.split(".")[-2], "0000000000")
    for url in (stale, "/course-images/modules/01-alpha/01-first-steps.md", "/course-images/../pyproject.toml"):
        assert client.get(url).status_code == 404, url


def test_a_quiz_shows_images_in_its_questions_and_options_under_names_that_give_nothing_away(course: Path):
    """Images in a prompt and in options go through the lessons' checks and are served by
    their bytes' hash alone: an option's URL says nothing of its file name
    (``right-answer.png``), and its label in words is its alt text."""
    catalogue = build_catalogue(course)
    question = catalogue.quizzes["alpha-quiz"].questions[0]
    harbour = next(i for i in catalogue.images.values() if i.name.startswith("quiz/") and i.media_type == "image/jpeg")
    assert (
        f'<img alt="A harbour with three boats at dawn" decoding="async" height="300" loading="lazy" '
        f'src="{harbour.url}" width="400">'
    ) in question.prompt_html
    right, wrong, plain = question.options
    assert right.correct and not wrong.correct
    for option, media_type in ((right, "image/png"), (wrong, "image/svg+xml")):
        src = re.search(r'<img [^>]*src="([^"]+)"', option.html)
        assert src is not None, option.html
        image = catalogue.images[src[1].removeprefix("/course-images/")]
        assert image.media_type == media_type
        assert re.fullmatch(r"/course-images/quiz/[0-9a-f]{20}\.(png|svg)", src[1])
    assert "answer" not in right.html.replace("alt=", "") and "answer" not in wrong.html.replace("alt=", "")
    assert right.text == "A bar chart of arrivals by region, Alpha's bar the tallest Alpha"
    assert "<img" not in plain.html


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("- [ ] ![](images/right-answer.png) Gamma {#gamma}", "has no alt text"),
        ("- [ ] ![A chart](images/missing.png) Gamma {#gamma}", "'images/missing.png': no such file"),
        ("- [ ] ![A chart](../../outside.png) Gamma {#gamma}", "is outside the course folder"),
    ],
)
def test_a_quiz_image_is_checked_as_a_lesson_image_is(course: Path, tmp_path: Path, line: str, message: str):
    import shutil

    from training.content import check

    broken = tmp_path / "course"
    shutil.copytree(course, broken)
    quiz = broken / "quizzes" / "alpha.md"
    text = quiz.read_text()
    quiz.write_text(text.replace("- [ ] Gamma {#gamma}", line, 1))
    number = quiz.read_text().split("\n").index(line) + 1
    problems = [str(e) for e in check(broken)]
    assert any(f"quizzes/alpha.md:{number}: " in p and message in p for p in problems), problems


def test_a_translated_quiz_shows_its_own_images(tmp_path: Path):
    """A translation names its images relative to its own file, with alt text in its language."""
    import shutil

    from ..conftest import TRANSLATED

    course = tmp_path / "course"
    shutil.copytree(TRANSLATED, course)
    (course / "quizzes" / "images").mkdir()
    shutil.copy(
        FIXTURES / "content" / "rendering" / "quizzes" / "images" / "right-answer.png", course / "quizzes" / "images"
    )
    quiz = course / "quizzes" / "alpha.fr.md"
    quiz.write_text(
        quiz.read_text().replace(
            "- [x] Alpha {#alpha}", "- [x] ![Un graphique en barres](images/right-answer.png) Alpha {#alpha}", 1
        )
    )
    option = build_catalogue(course).in_language("fr").quizzes["alpha-quiz"].questions[0].options[0]
    assert re.fullmatch(
        r'<img alt="Un graphique en barres" decoding="async" height="360" loading="lazy" '
        r'src="/course-images/quiz/[0-9a-f]{20}\.png" width="600"> Alpha',
        option.html,
    )
    assert option.text == "Un graphique en barres Alpha"

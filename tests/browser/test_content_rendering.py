"""Course content as a reader on a phone and on a desktop sees it, in Chromium with axe-core:
images shown with their alt text, table columns aligned as the author wrote them, wide
tables scrolling inside a named region a keyboard can reach, code blocks scrolling inside
themselves, and long words wrapping, with no sideways scroll of the page at 320, 390 and
1280 px. The lessons of the real course with the widest tables pass axe at 390 px too."""

from __future__ import annotations

import pytest

from ..conftest import FIXTURES, ROOT
from ..content.test_check import broken_course
from ..helpers import assert_accessible, shot, sign_in_page
from ..livesite import live_site

pytestmark = pytest.mark.browser

WIDTHS = (320, 390, 1280)
LESSON = "/units/alpha/first-steps"
REAL_WIDE_TABLES = (
    "/units/integration/integration-approaches",
    "/units/return/return-concepts",
    "/units/rcps/asia-europe-mediterranean",
    "/units/data/global-datasets",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The fixture course with images, aligned and wide tables, a code block and long words."""
    course = broken_course("rendering", tmp_path_factory.mktemp("rendering"), cases=FIXTURES / "content")
    with live_site(tmp_path_factory.mktemp("rendering-site"), workers=1, content=course) as site:
        yield site


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_a_lesson_with_images_tables_code_and_long_words_fits_the_screen(page, site, width: int):
    email = site.create_user(f"reader{width}@example.org")
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_page(page, email)
    page.goto(LESSON)
    assert page_width(page) <= width, f"the page scrolls sideways at {width} px"

    images = page.locator("main img")
    assert images.count() == 3
    for index in range(3):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert image.get_attribute("alt")
        box = image.bounding_box()
        assert box is not None and 0 < box["width"] <= width
    assert "(Watch the <quotes> in this sentence" in page.locator("main").inner_text()

    aligned = page.locator(".table-scroll").first
    assert aligned.get_attribute("aria-label") == "Region, Arrivals in 2024 (Fixture Agency), Trend"
    cells = aligned.locator("tbody tr").first.locator("td")
    styles = [cells.nth(i).evaluate("td => getComputedStyle(td).textAlign") for i in range(3)]
    assert styles == ["left", "right", "center"]

    wide = page.locator(".table-scroll").nth(1)
    assert wide.evaluate("el => el.tabIndex") == 0
    code = page.locator("main pre")
    assert code.evaluate("el => getComputedStyle(el).overflowX") == "auto"
    assert code.locator("code").evaluate("el => getComputedStyle(el).paddingLeft") == "0px"
    if width < 1280:
        assert wide.evaluate("el => el.scrollWidth > el.clientWidth"), "the wide table scrolls inside its region"
        assert code.evaluate("el => el.scrollWidth > el.clientWidth"), "the long command scrolls inside its block"
        wide.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("el => el.scrollLeft > 0", arg=wide.element_handle())
    assert_accessible(page)
    if width != 320:
        shot(page, f"content-rendering-{width}")


@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("real-course-site"), workers=1, content=ROOT, startup=180) as site:
        yield site


def test_the_real_lessons_with_wide_tables_pass_axe_on_a_phone(chromium, real_site):
    context = chromium.new_context(base_url=real_site.url, bypass_csp=True, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in_page(page, real_site.create_user("phone@example.org"))
        for url in REAL_WIDE_TABLES:
            page.goto(url)
            assert page.locator(".table-scroll[role=region][tabindex='0'][aria-label]").count() >= 1, url
            assert page_width(page) <= 390, url
            assert_accessible(page)
    finally:
        context.close()


def _loaded(page, image) -> None:
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def test_a_quiz_shows_the_images_of_its_question_and_options(page, site):
    """The fixture quiz's first question has a photograph in its prompt and a picture in two
    of its options: each loads, at an address that names no file (the right option's file is
    right-answer.png), on a page that passes axe and does not scroll sideways at 1280 and
    390 px; the result page shows the option chosen with its picture."""
    import re

    from ..helpers import check_at_both_widths

    sign_in_page(page, site.create_user("quiz-images@example.org"))
    page.goto("/quizzes/alpha-quiz")
    page.get_by_role("button", name="Start the quiz").click()
    page.get_by_role("button", name="Review and submit").wait_for()
    question = page.get_by_role("group", name="Question 1")
    prompt = question.get_by_role("img", name="A harbour with three boats at dawn")
    right = question.get_by_role("img", name="A bar chart of arrivals by region, Alpha's bar the tallest")
    wrong = question.get_by_role("img", name="A map of sea routes between three ports, Beta's route the longest")
    for image in (prompt, right, wrong):
        _loaded(page, image)
    for image in (right, wrong):
        assert re.fullmatch(r"/course-images/quiz/[0-9a-f]{20}\.(png|svg)", image.get_attribute("src") or "")
    assert "right-answer" not in page.content()
    matching = page.get_by_role("group", name="Question 5")
    _loaded(page, matching.get_by_role("img", name="A capital letter A carved in stone"))
    # A drop-down shows words only: a picture on the right side is named by its alt text.
    assert "The number one on a sign First" in matching.locator("select").first.locator("option").all_inner_texts()
    check_at_both_widths(page, "quiz-images-take")
    page.set_viewport_size({"width": 390, "height": 900})
    box = right.bounding_box()
    assert box is not None and 0 < box["width"] <= 390

    question.get_by_label("Alpha").check()
    page.get_by_role("button", name="Review and submit").click()
    page.wait_for_url("**/quizzes/alpha-quiz/review")
    page.get_by_label("Submit with 5 questions not fully answered").check()
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_url("**/attempts/1")
    chosen = page.locator(".feedback").first.get_by_role("img", name="A bar chart of arrivals by region")
    _loaded(page, chosen)
    _loaded(page, page.get_by_role("img", name="A harbour with three boats at dawn"))
    check_at_both_widths(page, "quiz-images-result")

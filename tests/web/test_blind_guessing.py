"""A learner who has read nothing guesses at random, reads only the result pages and retries up
to the attempt limit. Whatever those pages give away is used; the pass rate must stay within
what chance allows once the pages say which questions were wrong (and nothing more).

The bound is computed here from the course's questions alone, not by the grader: for each
question, a guesser who never repeats an answer that was marked wrong has, at attempt k, the
right answer with probability k/m (m possible answers), and each wrong answer with
probability (m-k)/(m(m-1)) (the k-th draw of a random order with the right one not earlier).
Questions are independent, so the score at attempt k is a sum whose distribution is computed
exactly; the chance of passing at some attempt is at most the sum over attempts of the
chance of reaching the pass mark at that attempt.
"""

from __future__ import annotations

import itertools
import random
import re
import string
from collections import defaultdict
from dataclasses import replace
from fractions import Fraction
from html import unescape

import pytest

from training.content.model import Question, QuestionType, Quiz
from training.course import EXTENSION_KEY, get_catalogue
from training.quiz import Reveal

from ..helpers import ROOT, csrf_from

RUNS = 6
"""Runs of the whole course (12 quizzes each). With the pass rates the key used to give away
(72-83% by the third attempt), a dozen runs would already fail the test many times over."""
SEED = 20261206


# --- the chance bound ----------------------------------------------------------------------


def _answer_credits(q: Question) -> list[Fraction]:
    """The credit of every answer a blind guesser can give (one of them is fully right)."""
    n = len(q.options)
    if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        return [Fraction(int(o.correct)) for o in q.options]
    if q.type == QuestionType.MULTIPLE:
        right = [o.correct for o in q.options]
        total = sum(right)
        credits = []
        for size in range(1, n + 1):
            for chosen in itertools.combinations(range(n), size):
                hits = sum(right[i] for i in chosen)
                credits.append(max(Fraction(0), Fraction(hits - (size - hits), total)))
        return credits
    if q.type in (QuestionType.MATCHING, QuestionType.ORDERING):
        return [Fraction(sum(p[i] == i for i in range(n)), n) for p in itertools.permutations(range(n))]
    return []  # short answers: a blind guess is never the word


def _credit_at(q: Question, attempt: int, credits: list[Fraction]) -> dict[Fraction, Fraction]:
    """The distribution of the question's credit at ``attempt`` (1-based)."""
    if not credits:
        return {Fraction(0): Fraction(1)}
    m = len(credits)
    right = min(Fraction(attempt, m), Fraction(1))
    dist: dict[Fraction, Fraction] = defaultdict(Fraction)
    dist[Fraction(1)] += right
    if m > 1 and attempt < m:
        wrong = [c for c in credits if c < 1]
        each = Fraction(m - attempt, m * (m - 1))
        for c in wrong:
            dist[c] += each
    return dict(dist)


def chance_bound(quiz: Quiz) -> float:
    """At most this likely is a blind guesser to pass ``quiz`` within its attempts (exact
    fractions per question; scores summed in floats, rounded to a millionth of a point)."""
    threshold = quiz.pass_mark / 100 * quiz.total_points - 1e-9
    credits = {q.id: _answer_credits(q) for q in quiz.questions}
    total = 0.0
    for attempt in range(1, (quiz.attempts or 3) + 1):
        scores: dict[float, float] = {0.0: 1.0}
        for q in quiz.questions:
            step: dict[float, float] = defaultdict(float)
            spread = [(float(c) * q.points, float(p)) for c, p in _credit_at(q, attempt, credits[q.id]).items()]
            for score, p in scores.items():
                for gain, pc in spread:
                    step[round(score + gain, 6)] += p * pc
            scores = step
        total += sum(p for s, p in scores.items() if s >= threshold)
    return min(total, 1.0)


def poisson_binomial_quantile(ps: list[float], level: float) -> int:
    """The smallest count c with P(successes <= c) >= level, for independent trials ``ps``."""
    dist = [1.0]
    for p in ps:
        nxt = [0.0] * (len(dist) + 1)
        for k, q in enumerate(dist):
            nxt[k] += q * (1 - p)
            nxt[k + 1] += q * p
        dist = nxt
    running = 0.0
    for count, q in enumerate(dist):
        running += q
        if running >= level:
            return count
    return len(ps)


# --- the guesser ---------------------------------------------------------------------------


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


class Guesser:
    """Answers blindly, remembering per question (by its visible words, since the form's values
    change every attempt) what the result pages said: right answers are kept, wrong ones are
    not tried again, and any answer a page gives away is used."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.kept: dict[str, object] = {}
        self.tried: dict[str, set] = defaultdict(set)
        self.known: dict[str, set[str]] = defaultdict(set)  # options a page marked right
        self.excluded: dict[str, set[str]] = defaultdict(set)  # options a page marked wrong
        self.told: dict[str, str] = {}  # "Correct answer:" lines
        self.given: dict[str, object] = {}

    def answer(self, page: str) -> dict[str, list[str]]:
        form: dict[str, list[str]] = {}
        self.given = {}
        for block in re.split(r'<li class="question card"[^>]*>', page)[1:]:
            choices = re.findall(
                r'<input type="(radio|checkbox)" name="([^"]+)" value="([^"]+)"[^>]*>\s*<span>(.*?)</span>', block, re.S
            )
            selects = re.findall(
                r'<label for="([^"]+)"[^>]*>(.*?)</label>\s*(?:<div[^>]*>\s*)?'  # the answer may sit in a wrapper
                r'<select[^>]*name="[^"]+"[^>]*>(.*?)</select>',
                block,
                re.S,
            )
            texts = re.findall(r'<input class="input[^"]*" type="text"[^>]*name="([^"]+)"', block)
            if choices:
                kind, name = choices[0][0], choices[0][1]
                labels = {_text(html): value for _k, _n, value, html in choices}
                qid = name
                chosen = self._choose(qid, kind, sorted(labels))
                form[name] = [labels[label] for label in chosen]
                self.given[qid] = tuple(sorted(chosen))
            elif selects:
                qid = selects[0][0].rsplit("-", 1)[0]
                items = [_text(label) for _f, label, _o in selects]
                options = [
                    {_text(t): v for v, t in re.findall(r'<option value="([^"]+)"[^>]*>(.*?)</option>', body)}
                    for _f, _l, body in selects
                ]
                words = sorted(options[0])
                arrangement = self._arrange(qid, items, words)
                for (field, _label, _body), choice, values in zip(selects, arrangement, options, strict=True):
                    form[field] = [values[choice]]
                self.given[qid] = arrangement
            elif texts:
                word = "".join(self.rng.choice(string.ascii_lowercase) for _ in range(7))
                form[texts[0]] = [word]
                self.given[texts[0]] = word
            else:  # a change of markup must not quietly leave questions unanswered (and the test weaker)
                raise AssertionError(f"the guesser cannot read this question: {_text(block)[:200]}")
        return form

    def _choose(self, qid: str, kind: str, labels: list[str]) -> tuple[str, ...]:
        if qid in self.kept:
            return self.kept[qid]  # type: ignore[return-value]
        if qid in self.told:
            told = [label for label in labels if label in self.told[qid]]
            if told:
                return tuple(told[:1]) if kind == "radio" else tuple(told)
        if kind == "radio":
            options = [(label,) for label in labels if label not in self.excluded[qid]]
            options = [o for o in options if o not in self.tried[qid]] or options or [(labels[0],)]
            return self.rng.choice(options)
        must = self.known[qid]
        free = [label for label in labels if label not in must and label not in self.excluded[qid]]
        for _ in range(200):
            pick = tuple(sorted(must | {label for label in free if self.rng.random() < 0.5}))
            if pick and pick not in self.tried[qid]:
                return pick
        return tuple(sorted(must)) or (labels[0],)

    def _arrange(self, qid: str, items: list[str], words: list[str]) -> tuple[str, ...]:
        if qid in self.kept:
            return self.kept[qid]  # type: ignore[return-value]
        for _ in range(200):
            pick = tuple(self.rng.sample(words, len(items)))
            if pick not in self.tried[qid]:
                return pick
        return pick

    def read_result(self, page: str) -> None:
        """Learn what the result page shows, question by question."""
        blocks = page.split('<li class="question card')[1:]
        for (qid, given), block in zip(self.given.items(), blocks, strict=False):
            verdict = re.search(r'<span class="q-verdict">(.*?)</span>', block, re.S).group(1)
            if verdict.strip() == "Correct":
                self.kept[qid] = given
                continue
            self.tried[qid].add(given)
            for mark, label in re.findall(
                r'<li class="fb-(right|wrong)"><span class="fb-label">.*?Your answer: (.*?)</span>', block, re.S
            ):
                (self.known if mark == "right" else self.excluded)[qid].add(_text(label))
            for label in re.findall(r"Not chosen, but correct: (.*?)</span>", block, re.S):
                self.known[qid].add(_text(label))
            told = re.search(r'<p class="correct-answer"><strong>[^<]*</strong>(.*?)</p>', block, re.S)
            if told:
                self.told[qid] = _text(told.group(1))


def guess_quiz(client, quiz: Quiz, rng: random.Random) -> bool:
    """One blind learner at one quiz: True if some attempt passed."""
    guesser = Guesser(rng)
    for _ in range(quiz.attempts or 3):
        start_page = client.get(f"/quizzes/{quiz.id}")
        assert start_page.status_code == 200, (start_page.status_code, start_page.headers.get("Location"))
        token = csrf_from(start_page.get_data(as_text=True))
        client.post(f"/quizzes/{quiz.id}/start", data={"csrf_token": token})
        page = client.get(f"/quizzes/{quiz.id}").get_data(as_text=True)
        if 'name="attempt"' not in page:
            return False
        attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
        form = guesser.answer(page)
        assert form, "the guesser found no question to answer on the quiz page"
        response = client.post(
            f"/quizzes/{quiz.id}",
            data={
                "csrf_token": csrf_from(page),
                "attempt": attempt,
                "action": "submit",
                "confirm": "unanswered",
                **form,
            },
        )
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        result = client.get(response.headers["Location"]).get_data(as_text=True)
        if "You passed" in result:
            return True
        guesser.read_result(result)
    return False


@pytest.fixture
def app_overrides() -> dict:
    return {"CONTENT_DIR": str(ROOT)}


def guess_course(client, login_as, auth, quizzes: list[Quiz], runs: int, who: str) -> dict[str, int]:
    """``runs`` blind learners, each trying every quiz: the passes per quiz."""
    rng = random.Random(SEED)
    passes: dict[str, int] = defaultdict(int)
    for run in range(runs):
        login_as("learner", email=f"{who}{run}@example.org")
        for quiz in quizzes:
            passes[quiz.id] += guess_quiz(client, quiz, rng)
        auth.logout()
    return passes


def allowed_passes(bounds: dict[str, float], runs: int) -> int:
    """The most passes chance allows in ``runs`` tries of every quiz (99.9% quantile)."""
    return poisson_binomial_quantile([bounds[q] for q in bounds for _ in range(runs)], 0.999)


def test_blind_guessing_passes_no_quiz_more_often_than_chance_predicts(app, client, login_as, auth):
    quizzes = list(get_catalogue().quizzes.values())
    bounds = {quiz.id: chance_bound(quiz) for quiz in quizzes}
    passes = guess_course(client, login_as, auth, quizzes, RUNS, "guesser")
    observed, expected = sum(passes.values()), sum(bounds.values()) * RUNS
    allowed = allowed_passes(bounds, RUNS)
    report = ", ".join(f"{q}: {passes[q]}/{RUNS} (bound {bounds[q]:.3f})" for q in bounds)
    print(
        f"\nblind guessing: {observed} passes in {RUNS * len(bounds)} quiz runs; chance bound {expected:.2f} "
        f"expected, {allowed} allowed (99.9%); {report}"
    )
    assert observed <= allowed, report
    for quiz_id, bound in bounds.items():  # and no single quiz stands out
        assert passes[quiz_id] <= poisson_binomial_quantile([bound] * RUNS, 0.999), report


CONTROL_RUNS = 2


def test_the_guesser_beats_chance_when_every_result_shows_the_key(app, client, login_as, auth, monkeypatch):
    """The check above can fail: with every quiz set to show the key after each attempt (as
    the result pages used to), the same guesser passes far more often than chance allows."""
    catalogue = get_catalogue()
    leaky = {q.id: replace(q, reveal=Reveal.AFTER_EACH_ATTEMPT) for q in catalogue.quizzes.values()}
    course = replace(catalogue, quizzes=leaky)
    app.extensions[EXTENSION_KEY] = course
    monkeypatch.setattr(type(catalogue), "in_language", lambda self, language: course)  # every request's view
    bounds = {quiz.id: chance_bound(quiz) for quiz in leaky.values()}
    passes = guess_course(client, login_as, auth, list(leaky.values()), CONTROL_RUNS, "reader")
    observed, allowed = sum(passes.values()), allowed_passes(bounds, CONTROL_RUNS)
    print(f"\nwith the key shown: {observed} passes in {CONTROL_RUNS * len(bounds)} quiz runs; chance allows {allowed}")
    assert observed > allowed, dict(passes)

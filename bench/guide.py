"""Typesetting the real course's PDFs: time and peak memory, this checkout against a baseline.

    .venv/bin/python bench/guide.py                          # this checkout (Typst)
    .venv/bin/python bench/guide.py --baseline DIR --baseline-python PY

Each document is typeset cold, in a fresh process, ``--runs`` times (default 5): the whole
course guide, a guide of three units, a workshop-planner variant of the whole guide (4 days
of 7.5 hours, a variant nobody asked for before), a unit's learner handout and its paper
quiz. The course is loaded before the clock starts (a server loads it once at start-up), so
the time is what one request for a new PDF costs: the document's data or HTML, typesetting
and writing the PDF. A last scenario typesets the whole guide and then a new planner variant
in the same process (``variant-warm``): what a server that has typeset once pays next.

``--baseline DIR`` is a checkout of an earlier commit (``git archive COMMIT | tar -x -C
DIR``) run with ``--baseline-python`` (an interpreter with that commit's dependencies, here
WeasyPrint): the same documents through that commit's ``training.guide`` API, of the course
as it was in that checkout (the content format has moved on since, so each side reads the
course its own code accepts; the page counts show the documents are alike), runs
alternating with this checkout's so that both see the same machine. Medians are printed
with the ratio baseline / this checkout, pages of each PDF, and the raw runs go to
``bench/results/guide-<time>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ("whole", "units", "planner", "handout", "quiz", "variant-warm")
PLANNER = {"days": 4, "hours_per_day": 7.5}
SECOND_PLANNER = {"days": 5, "hours_per_day": 6.5}

# One run, inside the child process. ``impl`` is "current" (this checkout's API) or
# "baseline" (the WeasyPrint API of the commit before the move to Typst).
CHILD = r"""
import json, sys, time
from pathlib import Path
impl, scenario, content, out = sys.argv[1:5]
from training.content import build_catalogue
from training.guide.plan import plan_workshop
from training.guide import default_options
catalogue = build_catalogue(Path(content))
units = catalogue.units
unit = units[0]
PLANNER = json.loads(sys.argv[5])
SECOND = json.loads(sys.argv[6])

if impl == "current":
    from training.guide import guide_pdf, handout_pdf, quiz_pdf
    def guide(chosen, options):
        return guide_pdf(catalogue, chosen, options)
    def handout():
        return handout_pdf(catalogue, unit)
    def quiz():
        return quiz_pdf(catalogue, unit, answer_key=False)
else:
    from training.guide import build_guide, build_handout, build_quiz_sheet
    from training.guide.pdf import html_to_pdf
    def guide(chosen, options):
        return html_to_pdf(build_guide(catalogue, chosen, plan_workshop(chosen, options)))
    def handout():
        return html_to_pdf(build_handout(catalogue, unit))
    def quiz():
        return html_to_pdf(build_quiz_sheet(catalogue, unit, answer_key=False))

began = time.perf_counter()
if scenario == "whole":
    data = guide(units, default_options(catalogue))
elif scenario == "units":
    data = guide(units[:3], default_options(catalogue))
elif scenario == "planner":
    data = guide(units, default_options(catalogue, **PLANNER))
elif scenario == "handout":
    data = handout()
elif scenario == "quiz":
    data = quiz()
elif scenario == "variant-warm":
    guide(units, default_options(catalogue))
    began = time.perf_counter()
    data = guide(units, default_options(catalogue, **SECOND))
seconds = time.perf_counter() - began
Path(out).write_bytes(data)
print(json.dumps({"seconds": seconds, "bytes": len(data)}))
"""


def run_once(python: str, checkout: Path, impl: str, scenario: str, work: Path) -> dict:
    """One cold run in a fresh process; the course is the checkout's own."""
    out = work / f"{impl}-{scenario}.pdf"
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    began = time.perf_counter()
    child = subprocess.Popen(
        [python, "-c", CHILD, impl, scenario, str(checkout), str(out), json.dumps(PLANNER), json.dumps(SECOND_PLANNER)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    stdout, stderr = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    if status != 0:
        raise SystemExit(f"{impl} {scenario} failed:\n{stderr}")
    result = json.loads(stdout.strip().splitlines()[-1])
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    pages = next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), 0)
    return {
        **result,
        "process_wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "pages": pages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default=",".join(SCENARIOS))
    parser.add_argument("--baseline", type=Path, help="a checkout of the commit to compare with")
    parser.add_argument("--baseline-python", default=sys.executable)
    args = parser.parse_args()

    sides = [("current", sys.executable, ROOT)]
    if args.baseline:
        sides.insert(0, ("baseline", args.baseline_python, args.baseline.resolve()))
    results: dict[str, dict[str, list[dict]]] = {name: {} for name, _, _ in sides}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for scenario in args.only.split(","):
            for _ in range(args.runs):
                for name, python, checkout in sides:  # alternate: both see the same machine
                    results[name].setdefault(scenario, []).append(run_once(python, checkout, name, scenario, work))

    print(
        f"{'scenario':<14}{'side':<10}{'median s':>9}{'process s':>10}{'cpu s':>8}{'peak MB':>9}{'pages':>7}{'runs':>6}"
    )
    summary: dict[str, dict[str, dict[str, float]]] = {}
    for scenario in args.only.split(","):
        for name, _, _ in sides:
            runs = results[name][scenario]
            keys = ("seconds", "process_wall", "cpu", "peak_mb", "pages")
            median = {key: statistics.median(r[key] for r in runs) for key in keys}
            summary.setdefault(scenario, {})[name] = median
            print(
                f"{scenario:<14}{name:<10}{median['seconds']:>9.2f}{median['process_wall']:>10.2f}{median['cpu']:>8.2f}"
                f"{median['peak_mb']:>9.0f}"
                f"{median['pages']:>7.0f}{len(runs):>6}"
            )
        if args.baseline:
            base, cur = summary[scenario]["baseline"], summary[scenario]["current"]
            print(
                f"{'':<14}{'ratio':<10}{base['seconds'] / cur['seconds']:>8.1f}x"
                f"{base['process_wall'] / cur['process_wall']:>9.1f}x"
                f"{base['cpu'] / cur['cpu']:>7.1f}x{base['peak_mb'] / cur['peak_mb']:>8.1f}x"
            )
    out = ROOT / "bench" / "results" / f"guide-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"runs": results, "medians": summary}, indent=1))
    print(f"raw runs: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

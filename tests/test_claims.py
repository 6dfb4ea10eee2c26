"""The course's pages for readers and teachers stand on the notebooks and the exercise registry.

* notebooks/lecture_claims.md: every claim of the lecture (C01..C26) has one row that names a
  notebook, and that notebook has a cell tagged ``claim-Cxx`` (the cell that measures it).
* notebooks/teachers_guide.md: its list of exercises is generated from the registry
  (``python tests/test_claims.py`` prints it), so keys, titles and counts cannot drift.
* The README links the guide, the glossary, the resources and the claims map, and nothing
  outside the repository; every relative link in those pages resolves.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks"
CLAIMS = NB / "lecture_claims.md"
GUIDE = NB / "teachers_guide.md"
IDS = [f"C{i:02d}" for i in range(1, 27)]
VERDICTS = {"holds", "holds with a correction", "holds only under conditions", "not yet measured"}
OPEN = "not yet measured"
"""A claim no lesson computes yet: its row says what is missing and points at no cell."""
ROW = re.compile(r"^\|\s*(C\d\d)\s*\|(.*)\|\s*$")
START, END = "<!-- exercise-list:start -->", "<!-- exercise-list:end -->"
MINUTES = {"concept": 2, "compute": 5, "code": 15, "model": 25}
"""Rule-of-thumb minutes a student needs per exercise kind (the guide says so)."""


def claim_rows() -> Dict[str, List[str]]:
    rows: Dict[str, List[str]] = {}
    for line in CLAIMS.read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m:
            assert m.group(1) not in rows, f"claim {m.group(1)} has two rows"
            rows[m.group(1)] = [c.strip() for c in m.group(2).split("|")]
    return rows


def tags_of(path: Path) -> set:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return {t for c in nb["cells"] for t in c.get("metadata", {}).get("tags", [])}


def test_every_claim_has_one_row_in_order():
    rows = claim_rows()
    assert list(rows) == IDS, f"claims map rows {list(rows)} != {IDS}"


@pytest.mark.parametrize("cid", IDS)
def test_claim_row_points_at_a_tagged_cell(cid):
    rows = claim_rows()
    claim, lesson, cell, result, verdict = rows[cid]
    assert claim and result, f"{cid}: claim and result must be written"
    assert verdict in VERDICTS, f"{cid}: verdict {verdict!r} is not one of {sorted(VERDICTS)}"
    if verdict == OPEN:
        assert cell == "none yet", f"{cid}: a claim not yet measured points at no cell ('none yet'), got {cell!r}"
    else:
        assert cell == f"`claim-{cid}`", f"{cid}: the cell column must read `claim-{cid}`, got {cell!r}"
    link = re.fullmatch(r"\[(\d\d)\]\((\d\d_[a-z0-9_]+\.ipynb)\)", lesson)
    assert link and link.group(2).startswith(link.group(1)), f"{cid}: lesson must be [NN](NN_topic.ipynb), got {lesson!r}"
    path = NB / link.group(2)
    assert path.is_file(), f"{cid}: {path.name} does not exist"
    tagged = f"claim-{cid}" in tags_of(path)
    if verdict == OPEN:
        assert not tagged, f"{cid}: {path.name} now has a cell tagged claim-{cid}: write its result and verdict"
    else:
        assert tagged, f"{cid}: no cell of {path.name} is tagged claim-{cid}"


def test_every_claim_tag_in_the_notebooks_is_in_the_map():
    rows = claim_rows()
    for path in sorted(NB.glob("*.ipynb")):
        for tag in tags_of(path):
            if tag.startswith("claim-"):
                cid = tag[len("claim-"):]
                assert cid in rows, f"{path.name}: tag {tag} names no claim of the map"
                assert path.name in rows[cid][1], f"{path.name}: tag {tag}, but the map says {rows[cid][1]}"


def exercise_list() -> str:
    """The guide's exercise list, generated from the registry (one table row per exercise)."""
    from tcnlib import exercises

    lines = ["| lesson | exercises | key: title (kind, minutes) |", "| --- | --- | --- |"]
    lessons = sorted({int(k.split(".")[0]) for k in exercises.keys()})
    for lesson in lessons:
        keys = exercises.keys(lesson)
        items = []
        total = 0
        for k in keys:
            ex = exercises.get(k)
            total += MINUTES[ex.kind]
            items.append(f"`{k}` {ex.title} ({ex.kind}, ~{MINUTES[ex.kind]})")
        lines.append(f"| {lesson:02d} | {len(keys)}, ~{total} min | " + "; ".join(items) + " |")
    return "\n".join(lines)


def test_guide_lists_the_registered_exercises():
    text = GUIDE.read_text(encoding="utf-8")
    assert START in text and END in text, f"{GUIDE.name}: the exercise list markers are missing"
    listed = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert listed == exercise_list(), (
        f"{GUIDE.name}: the exercise list differs from the registry; replace it with the output of "
        "`python tests/test_claims.py`")


def _keys_named(text: str) -> set:
    """Exercise keys a text names: ``07.3`` and ranges ``01.1-01.3``."""
    found = set()
    for a, b, c in re.findall(r"\b(\d\d)\.(\d+)(?:-\1\.(\d+))?\b", text):
        found.update(f"{a}.{i}" for i in range(int(b), int(c or b) + 1))
    return found


def test_guide_assigns_every_exercise_in_its_lesson_section():
    """Each lesson's section says what to do with each of its exercises, and names no other."""
    from tcnlib import exercises

    text = GUIDE.read_text(encoding="utf-8").split(START, 1)[0]
    sections = re.split(r"^### ", text, flags=re.M)[1:]
    by_lesson = {s[:2]: s for s in sections if s[:2].isdigit()}
    for lesson in sorted({k.split(".")[0] for k in exercises.keys()}):
        assert lesson in by_lesson, f"{GUIDE.name}: no section '### {lesson} ...'"
        named = {k for k in _keys_named(by_lesson[lesson]) if k.startswith(lesson + ".")}
        assert named == set(exercises.keys(int(lesson))), (
            f"{GUIDE.name}, lesson {lesson}: assigns {sorted(named)}, the registry has {exercises.keys(int(lesson))}")


def test_guide_covers_every_lesson():
    text = GUIDE.read_text(encoding="utf-8")
    for path in sorted(NB.glob("[0-9][0-9]_*.ipynb")):
        assert re.search(rf"^#+ .*\b{path.name[:2]}\b", text, re.M), f"{GUIDE.name}: no section for lesson {path.name[:2]}"
        assert path.name in text, f"{GUIDE.name}: does not link {path.name}"


PAGES = ["teachers_guide.md", "glossary.md", "resources.md", "lecture_claims.md"]


def test_readme_links_the_pages_and_nothing_outside():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for page in PAGES:
        assert f"(notebooks/{page})" in readme, f"README.md does not link notebooks/{page}"
    assert "../shared" not in readme and "lecture.md)" not in readme, "README.md links outside the repository"


@pytest.mark.parametrize("page", PAGES)
def test_relative_links_resolve(page):
    path = NB / page
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue
        assert (path.parent / target).exists(), f"{page}: link to {target} does not resolve"


if __name__ == "__main__":
    print(exercise_list())

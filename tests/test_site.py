"""`cours-rn site`: the course as static HTML pages, without any solution."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import nbformat
import pytest

from grader.course import chapters
from grader.site import build
from tests.conftest import ROOT, executed_instructor, run
from tests.test_notebooks import _hidden_blocks

NAMES = sorted(chapters())


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.ids, self.images, self.parts = [], set(), 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
        if tag == "img" and (attrs.get("src") or "").startswith("data:image/png"):
            self.images += 1

    def handle_data(self, data):
        self.parts.append(data)

    @property
    def text(self):
        """What the page shows, highlighted code included, as plain text."""
        return "".join(self.parts)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    executed = {name: executed_instructor(name) for name in NAMES}
    pages = build(out, executed=executed, out=lambda line: None)
    parsed = {}
    for page in pages:
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        parsed[page.name] = parser
    return out, parsed


def test_every_link_resolves(site):
    out, parsed = site
    assert set(parsed) == {"index.html", *(f"{n}.html" for n in NAMES)}
    for name, page in parsed.items():
        for href in page.hrefs:
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            target, _, anchor = href.partition("#")
            target = target or name
            assert (out / target).exists(), f"{name} : lien cassé {href}"
            if anchor:
                assert anchor in parsed[target].ids or unquote(anchor) in {
                    unquote(i) for i in parsed[target].ids
                }, f"{name} : ancre absente {href}"


def test_table_of_contents_is_french_and_complete(site):
    out, parsed = site
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in index and "Sommaire" in index
    for name in NAMES:
        assert f'href="{name}.html"' in index
        assert (
            sum(h.startswith(f"{name}.html#") for h in parsed["index.html"].hrefs) >= 3
        )


@pytest.mark.parametrize("name", NAMES)
def test_pages_have_formulas_and_figures_and_no_solution(site, name):
    out, parsed = site
    text = (out / f"{name}.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in text and "↑ Sommaire" in text
    assert re.search(r"\$[^$\n]+\$", text), "aucune formule"
    assert "MathJax" in text
    assert parsed[f"{name}.html"].images >= 1, "aucune figure"
    for secret in ["BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "hidden=True"]:
        assert secret not in text
    assert not leaks(name, parsed[f"{name}.html"].text)


def leaks(name, shown):
    """Lines of the chapter's solutions and hidden tests that ``shown`` contains,
    but for those the student notebook itself shows (a formula given in a
    docstring, a line of the lesson's own code)."""
    source = nbformat.read(chapters()[name].path, as_version=4)
    student = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    given = "\n".join(cell.source for cell in student.cells)
    lines = {
        line
        for cell in source.cells
        for block in _hidden_blocks(cell)
        for line in block
        if len(line) > 12 and line not in given
    }
    return sorted(line for line in lines if line in shown)


def test_leak_detection_sees_a_page_with_solutions(site, tmp_path):
    name = "01_equation_normale"
    from grader.site import page

    text = page(executed_instructor(name), "titre", None, None)  # not stripped
    parser = Links()
    parser.feed(text)
    assert leaks(name, parser.text)


def test_site_command_in_french(tmp_path):
    code, _, err = run("site", "--sortie", tmp_path / "s", "--cahier", "99")
    assert code == 2 and "aucun cahier du cours ne correspond" in err
    (tmp_path / "fichier").write_text("x")
    code, _, err = run("site", "--sortie", tmp_path / "fichier")
    assert code == 2 and "n'est pas un dossier" in err

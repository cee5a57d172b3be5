"""The course as a static HTML site, to read (``cours-rn site``, ``make site``).

The pages are made from the **instructor** notebooks, executed top to bottom,
so that every figure and every number of the lesson is there; they are then
stripped exactly as the student notebooks are (nbgrader's ``ClearSolutions``
and ``ClearHiddenTests``): the reader sees the French stub where the solution
was, and the test cells without their hidden part nor their outputs. The
student notebooks would not do: without the solutions, the cells that use the
learner's functions fail and their figures are missing.
"""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbgrader import preprocessors as pp
from traitlets.config import Config

from grader.course import chapters, nbgrader_meta
from grader.nbconfig import KERNEL_ARGUMENTS, configure

STYLE = (
    "<style>.cours-rn-nav{font-family:sans-serif;margin:1em auto;max-width:60em;"
    "display:flex;justify-content:space-between}"
    ".cours-rn-nav a{text-decoration:none}</style>"
)


class SiteError(Exception):
    """A notebook could not be turned into a page; the message is French."""


def execute(path, timeout=120):
    """Run an instructor notebook in a fresh kernel, in its own folder."""
    from nbclient.exceptions import CellExecutionError

    from grader.nbgrader_ext import QuietNotebookClient

    nb = nbformat.read(path, as_version=4)
    client = QuietNotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        extra_arguments=KERNEL_ARGUMENTS,
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        raise SiteError(
            f"{Path(path).name} ne s'exécute pas sans erreur : {exc.ename} : "
            f"{exc.evalue}"
        ) from None
    return nb


def reading_version(nb):
    """An executed instructor notebook without solutions nor hidden tests."""
    nb = nbformat.from_dict(nb)
    config = configure(Config())
    resources = {}
    for step in (pp.ClearSolutions, pp.ClearHiddenTests, pp.ClearMarkScheme):
        nb, resources = step(config=config).preprocess(nb, resources)
    for cell in nb.cells:
        meta = nbgrader_meta(cell)
        if cell.cell_type == "code" and (meta.get("solution") or meta.get("grade")):
            cell.outputs, cell.execution_count = [], None
    return nb


class _Headings(HTMLParser):
    """Collects the ids and texts of ``<h1>``/``<h2>`` and every ``id``."""

    def __init__(self):
        super().__init__()
        self.headings, self.ids, self._open = [], set(), None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag in ("h1", "h2") and attrs.get("id"):
            self._open = [tag, attrs["id"], ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if self._open is not None and tag == self._open[0]:
            level, anchor, text = self._open
            self.headings.append((level, anchor, text.replace("¶", "").strip()))
            self._open = None


def page(nb, title, previous, following):
    """HTML of one chapter, in French, with links to the table of contents."""
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    empty = "<span></span>"
    links = [
        f'<a href="{previous}.html">← Précédent</a>' if previous else empty,
        '<a href="index.html">↑ Sommaire</a>',
        f'<a href="{following}.html">Suivant →</a>' if following else empty,
    ]
    nav = f'<nav class="cours-rn-nav">{"".join(links)}</nav>'
    body = re.sub(r"<html[^>]*>", '<html lang="fr">', body, count=1)
    body = body.replace("</head>", STYLE + "</head>", 1)
    body = re.sub(r"(<body[^>]*>)", r"\1" + nav, body, count=1)
    return body.replace("</body>", nav + "</body>", 1)


def build(out_dir, names=None, executed=None, out=print):
    """Write the site to ``out_dir``: ``index.html`` and one page per chapter.

    ``names`` restricts it to some chapters; ``executed`` gives notebooks
    already executed (by name), the others are executed here. Returns the
    paths written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = [c for n, c in chapters().items() if names is None or n in names]
    executed = dict(executed or {})
    written, contents = [], []
    for i, chapter in enumerate(chosen):
        out(f"Cahier {chapter.name}…")
        nb = executed.get(chapter.name) or execute(chapter.path)
        title = next(
            (
                c.source.lstrip("# ").splitlines()[0]
                for c in nb.cells
                if c.cell_type == "markdown" and c.source.startswith("# ")
            ),
            chapter.name,
        )
        previous = chosen[i - 1].name if i > 0 else None
        following = chosen[i + 1].name if i + 1 < len(chosen) else None
        text = page(reading_version(nb), title, previous, following)
        path = out_dir / f"{chapter.name}.html"
        path.write_text(text, encoding="utf-8")
        parser = _Headings()
        parser.feed(text)
        sections = [h for h in parser.headings if h[0] == "h2"]
        contents.append((chapter.name, title, sections))
        written.append(path)
    index = out_dir / "index.html"
    index.write_text(table_of_contents(contents), encoding="utf-8")
    return [index, *written]


def table_of_contents(contents):
    """The French home page: each chapter and its sections."""
    esc = html.escape
    lines = [
        "<!DOCTYPE html>",
        '<html lang="fr"><head><meta charset="utf-8">',
        "<title>Cours RN — sommaire</title>",
        "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;"
        "line-height:1.5}li li{font-size:.95em}</style>",
        "</head><body>",
        "<h1>Cours RN — entraîner des réseaux de neurones profonds</h1>",
        "<p>Version à lire du cours : chaque chapitre avec ses explications, ses "
        "figures et ses résultats. Les exercices y apparaissent tels que les "
        "étudiants les reçoivent, sans leur solution ; pour les faire, ouvrez les "
        "cahiers du dossier <code>notebooks/</code> dans JupyterLab.</p>",
        "<h2>Sommaire</h2>",
        "<ol>",
    ]
    for name, title, sections in contents:
        lines.append(f'<li><a href="{name}.html">{esc(title)}</a><ul>')
        for _, anchor, text in sections:
            href = f"{name}.html#{html.escape(anchor, quote=True)}"
            lines.append(f'<li><a href="{href}">{esc(text)}</a></li>')
        lines.append("</ul></li>")
    lines += ["</ol>", "</body></html>"]
    return "\n".join(lines) + "\n"

"""End-to-end test in a real browser: a student works in JupyterLab, in French.

JupyterLab is started on a free local port with a known token, the course's
French settings (``jupyterlab/user-settings/``, as ``make lab`` uses them) and,
as its root, a temporary copy of ``notebooks/`` and ``data/``. Debian's Chromium,
driven headless by Playwright, opens chapter 01, types a correct answer to
``add_bias`` and ``predict`` and a wrong one to ``mse`` (the sum of squares,
as in the example class), runs every cell from the French menu and checks what
the page shows: the success lines, the French hint, a formula typeset by
MathJax, a figure and French interface labels. Screenshots are saved in
``build/captures/``.
"""

import contextlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest
from playwright.sync_api import expect, sync_playwright

from grader import CheckFailed, verifier
from tests.conftest import ROOT

NOTEBOOK = "01_equation_normale.ipynb"
TOKEN = "jeton-du-test-navigateur"
CAPTURES = ROOT / "build" / "captures"
TIMEOUT = 60  # seconds, for each wait on the server or the page

# What the student types in the solution cells (the answers of the example
# class, tests/exemple_classe.py): two correct functions and a wrong MSE.
ANSWERS = {
    "add_bias": "def add_bias(X):\n    return np.c_[np.ones((X.shape[0], 1)), X]\n",
    "predict": "def predict(X, theta):\n    return add_bias(X) @ theta\n",
    "mse": (
        "def mse(y_true, y_pred):\n"
        "    # oubli de la moyenne : somme des carrés\n"
        "    return float(np.sum((y_pred - y_true) ** 2))\n"
    ),
}
CORRECT, WRONG = ("add_bias", "predict"), "mse"


def _chromium():
    """Path of Debian's Chromium, installed with apt-get if absent and root."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip(
            "Chromium absent et impossible à installer ici (il faut être root, "
            "avec apt-get) : installez le paquet Debian « chromium », ce que fait "
            "`make test` en root."
        )
    install = ["apt-get", "install", "-y", "-q", "chromium"]
    done = subprocess.run(install, capture_output=True, text=True)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True)
        done = subprocess.run(install, capture_output=True, text=True)
    found = shutil.which("chromium")
    assert found, f"installation de Chromium impossible :\n{done.stderr[-2000:]}"
    return found


def _expected_feedback():
    """The success lines and the hint that ``verifier`` gives, computed here."""
    namespace = {"np": np}
    for source in ANSWERS.values():
        exec(source, namespace)
    success = {}
    for name in CORRECT:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            verifier(name, namespace[name])
        success[name] = out.getvalue().strip()
    with pytest.raises(CheckFailed) as failure:
        verifier(WRONG, namespace[WRONG])
    hints = [line for line in str(failure.value).splitlines() if "Indice" in line]
    assert len(hints) == 1, str(failure.value)
    assert "somme des carrés" in hints[0]  # the mistake the answer makes
    return success, hints[0]


def _api(base, path, method="GET"):
    request = urllib.request.Request(
        f"{base}{path}", method=method, headers={"Authorization": f"token {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        body = response.read()
    return json.loads(body) if body else None


@pytest.fixture
def jupyterlab(tmp_path):
    """Start JupyterLab on a copy of the course; yield its URL; always stop it."""
    shutil.copytree(ROOT / "notebooks", tmp_path / "cours" / "notebooks")
    shutil.copytree(ROOT / "data", tmp_path / "cours" / "data")
    settings = tmp_path / "user-settings"
    shutil.copytree(ROOT / "jupyterlab" / "user-settings", settings)
    # no invitation to fetch Jupyter's news over the network (a pop-up that
    # could cover the page)
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    runtime = tmp_path / "runtime"
    env = {
        k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "JUPYTER_PATH")
    }
    # nothing read from or written to the user's home
    env.update(
        JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
        JUPYTER_DATA_DIR=str(tmp_path / "share"),
        JUPYTER_RUNTIME_DIR=str(runtime),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    notebooks = tmp_path / "cours" / "notebooks"
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",  # a free port
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp_path / "jupyterlab.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            command, cwd=notebooks, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = None
    try:
        deadline = time.monotonic() + TIMEOUT
        while base is None:
            assert server.poll() is None, (
                f"JupyterLab s'est arrêté :\n{log.read_text()}"
            )
            assert time.monotonic() < deadline, f"JupyterLab muet :\n{log.read_text()}"
            # the server writes its port in its runtime file once it listens
            for info in runtime.glob("jpserver-*.json"):
                with contextlib.suppress(ValueError, OSError):
                    port = json.loads(info.read_text())["port"]
                    with contextlib.suppress(OSError):
                        _api(f"http://127.0.0.1:{port}", "/api/status")
                        base = f"http://127.0.0.1:{port}"
            time.sleep(0.1)
        yield base
    finally:
        if base is not None:  # stop the kernels through the API, then the server
            with contextlib.suppress(OSError):
                for kernel in _api(base, "/api/kernels"):
                    _api(base, f"/api/kernels/{kernel['id']}", method="DELETE")
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _capture(page, name):
    CAPTURES.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=CAPTURES / f"{name}.png", full_page=True)


def _show(locator):
    """Scroll the notebook until ``locator`` is wholly in the window.

    The notebook's cells use CSS ``content-visibility``: cells out of view have
    an estimated height until they are laid out, so a single scroll may end
    beside its target. Scroll again until the target stays in view.
    """
    for attempt in range(10):
        locator.evaluate("e => e.scrollIntoView({block: 'center'})")
        try:
            expect(locator).to_be_in_viewport(ratio=1, timeout=1000)
            return
        except AssertionError:
            if attempt == 9:
                raise


def _code_cell(notebook, text):
    """The notebook's one code cell whose source contains ``text``."""
    cell = notebook.locator(".jp-CodeCell").filter(
        has=notebook.page.locator(".jp-InputArea", has_text=text)
    )
    expect(cell).to_have_count(1)
    return cell


def test_etudiant_dans_jupyterlab(jupyterlab):
    chromium = _chromium()
    success, hint = _expected_feedback()
    (CAPTURES / "echec.png").unlink(missing_ok=True)  # left by an earlier run
    expect.set_options(timeout=TIMEOUT * 1000)  # a slow machine loads slowly
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT * 1000)
            try:
                _student_session(page, jupyterlab, success, hint)
            except Exception:
                _capture(page, "echec")  # what the page showed when it failed
                raise
        finally:
            browser.close()


def _student_session(page, base, success, hint):
    page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={TOKEN}")
    notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
    expect(notebook.locator(".jp-Cell").first).to_be_visible()

    # the interface is in French
    menubar = page.locator(".lm-MenuBar")
    for label in ("Fichier", "Édition", "Affichage", "Exécution", "Noyau"):
        expect(menubar.get_by_text(label, exact=True)).to_be_visible()
    expect(
        page.locator(".jp-StatusBar-Widget").get_by_text("Mode : Commande")
    ).to_be_visible()
    _capture(page, "01_interface_en_francais")

    # the student types the answers in the solution cells
    for name, source in ANSWERS.items():
        editor = _code_cell(notebook, f"def {name}(").locator(".cm-content")
        editor.click()
        expect(editor).to_be_focused()  # edit mode, or Ctrl+A selects cells
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.insert_text(source)
        expect(editor).to_contain_text(source.splitlines()[-1].strip())
        expect(editor).not_to_contain_text("NotImplementedError")
    page.keyboard.press("Escape")  # back to command mode

    # then runs every cell from the French menu
    menubar.get_by_text("Exécution", exact=True).click()
    run_all = page.locator(".lm-Menu-content .lm-Menu-item").filter(
        has=page.get_by_text("Exécuter toutes les cellules", exact=True)
    )
    expect(run_all).to_be_visible()
    run_all.click()

    # the wrong answer gets the French hint (execution stops there)
    wrong = _code_cell(notebook, f'verifier("{WRONG}", {WRONG})')
    expect(wrong.locator(".jp-OutputArea-output")).to_contain_text(hint)
    _show(wrong.get_by_text(hint))
    _capture(page, "02_indice_de_la_mauvaise_reponse")

    # the correct answers get their success line
    for name in CORRECT:
        check = _code_cell(notebook, f'verifier("{name}", {name})')
        expect(check.locator(".jp-OutputArea-output")).to_have_text(success[name])
    _show(check.locator(".jp-OutputArea-output"))
    _capture(page, "03_ligne_de_reussite")

    # a figure is displayed: a decoded image in an output area
    figure = _code_cell(notebook, "Jeu d'entraînement : 100 observations").locator(
        ".jp-OutputArea-output img"
    )
    expect(figure).to_have_count(1)
    _show(figure)
    assert figure.evaluate("img => img.complete && img.naturalWidth > 300")
    _capture(page, "04_figure")

    # the MSE formula is typeset by MathJax, no LaTeX source left in the page
    cost = notebook.locator(".jp-MarkdownCell").filter(
        has=page.get_by_role("heading", name="4. Fonction de coût : MSE et RMSE")
    )
    formula = cost.locator('mjx-container[display="true"]').first
    _show(formula)
    box = formula.bounding_box()
    assert box["width"] > 100 and box["height"] > 20, box
    expect(cost.locator(".jp-RenderedMarkdown")).not_to_contain_text("\\frac")
    _capture(page, "05_formule")

    # the kernel went back to idle, said in French in the status bar
    expect(page.locator(".jp-StatusBar-Widget").get_by_text("Inactif")).to_be_visible()

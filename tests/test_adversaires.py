"""Grading cannot be fooled and survives any submission (tests/rendus_adverses/).

One grading run of every scenario, next to two honest students of the example
class; each scenario's points and statut are asserted exercise by exercise.
"""

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from grader import sandbox
from grader.grading import NO_SANDBOX
from tests import adversaires
from tests.conftest import ROOT, run
from tests.test_grading import CHAPTER, read_notes

pytestmark = pytest.mark.skipif(
    sandbox.bwrap() is None,
    reason="bubblewrap (bwrap) est requis : `apt-get install bubblewrap`",
)

CORPUS = ROOT / "tests" / "rendus_adverses"
EXAMPLE = ROOT / "data" / "exemple_classe"
OK, F, N = "réussi", "échoué", "non traité"
T, C, M, S = "délai dépassé", "plantage", "mémoire", "suspect"
ALL_RIGHT = [(1, OK), (1, OK), (1, OK), (1, OK), (2, OK)]
WRONG_MSE = [(1, OK), (1, OK), (0, F), (1, OK), (2, OK)]


def _fault_from_mse(status):
    return [(1, OK), (1, OK), (0, status), (0, status), (0, status)]


# (points, statut) per exercise: add_bias, predict, mse, rmse, normal_equation
EXPECTED = {
    # cheats: nothing done inside the submission's process earns a point
    "objet_toujours_egal": [(0, F), (0, F), (0, F), (1, OK), (0, F)],
    "comparaisons_remplacees": WRONG_MSE,
    "verifier_remplace": [(0, N)] * 5,
    "assertions_effacees": WRONG_MSE,
    "ipython_modifie": [(1, OK), (0, F), (0, F), (0, F), (0, F)],
    "canal_falsifie": [(1, OK), (1, OK), (0, C), (0, C), (0, C)],
    "lecture_tests_caches": ALL_RIGHT,  # right only if nothing was found on disk
    "ecriture_carnet_de_notes": ALL_RIGHT,  # right only if nothing was written
    "processus_fantome": ALL_RIGHT,
    "detection_de_la_correction": WRONG_MSE,
    "fichier_pour_le_retour": ALL_RIGHT,
    "import_des_solutions": [(0, S)] * 5,
    "regression_de_scikit_learn": [(1, OK), (1, OK), (1, OK), (1, OK), (0, S)],
    "acces_reseau": ALL_RIGHT,  # right only if no connection succeeded
    # faults cost only what they reach
    "boucle_infinie": _fault_from_mse(T),
    "boucle_dans_la_fonction": [(1, OK), (1, OK), (1, OK), (0, T), (0, T)],
    "input": [(1, OK), (0, F), (1, OK), (1, OK), (2, OK)],
    "os_exit": _fault_from_mse(C),
    "sys_exit": WRONG_MSE,
    "erreur_de_segmentation": _fault_from_mse(C),
    "bombe_memoire": _fault_from_mse(M),
    "million_de_lignes": ALL_RIGHT,
    "sommeil_sans_fin": [(1, OK), (1, OK), (1, OK), (1, OK), (0, T)],
    # test cells tampered with: never a crash, never a point
    "tests_supprimes": WRONG_MSE,
    "tests_dupliques": WRONG_MSE,
    "tests_deplaces": ALL_RIGHT,
    "tests_retypes": WRONG_MSE,
    "tests_reecrits": WRONG_MSE,
    "metadonnees_modifiees": WRONG_MSE,
    "noyau_modifie": ALL_RIGHT,
    # honest work is never punished
    "honnete_avec_avertissements": ALL_RIGHT,
    "honnete_cellules_ajoutees": ALL_RIGHT,
    "honnete_ordre_desordonne": ALL_RIGHT,
    # two students of the example class, graded in the same run
    "alice_martin": ALL_RIGHT,
    "bruno_petit": [(1, OK), (1, OK), (0, F), (0, F), (2, OK)],
}
LIMITS = ["--delai-cellule", "10", "--delai-cahier", "120", "--memoire", "1024"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    base = tmp_path_factory.mktemp("adverses")
    folder = base / "rendus"
    shutil.copytree(CORPUS, folder)
    for student in ("alice_martin", "bruno_petit"):
        (folder / student).mkdir()
        shutil.copy(EXAMPLE / student / f"{CHAPTER}.ipynb", folder / student)
    classe = base / "classe"
    with socket.create_server(("127.0.0.1", adversaires.NETWORK_PORT)) as server:
        server.setblocking(False)
        code, out, err = run("corriger", folder, "--classe", classe, *LIMITS)
        try:
            server.accept()
            reached = True
        except BlockingIOError:
            reached = False
    assert not reached, "a submission reached a server on the grading machine"
    return classe, code, out, err, time.monotonic()


def test_corpus_is_up_to_date(tmp_path):
    for path in adversaires.build(tmp_path):
        committed = CORPUS / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), (
            "tests/rendus_adverses n'est pas à jour : python -m tests.adversaires"
        )


def test_every_scenario_has_a_fixture_and_an_expectation():
    assert set(adversaires.SCENARIOS) | {"alice_martin", "bruno_petit"} == set(EXPECTED)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_points_and_statut_per_exercise(corpus, student):
    rows = [r for r in read_notes(corpus[0]) if r["etudiant"] == student]
    got = [(float(r["points"]), r["statut"]) for r in rows]
    assert got == [(float(p), s) for p, s in EXPECTED[student]]


def test_grading_went_on_and_said_nothing_on_stderr(corpus):
    _, code, out, err, _ = corpus
    assert code == 0 and err == ""
    assert f"[{len(EXPECTED)}/{len(EXPECTED)}]" in out
    assert NO_SANDBOX not in out


def test_suspect_shows_in_the_summary(corpus):
    out = corpus[2]
    line = next(x for x in out.splitlines() if x.startswith("import_des_solutions"))
    assert line.count("? 0") == 5
    assert "? suspect" in out


def test_no_process_outlives_grading_and_nothing_is_rewritten(corpus):
    classe, _, _, _, end = corpus
    notes = (classe / "notes.csv").read_bytes()
    time.sleep(max(0.0, end + 5 - time.monotonic()))  # the phantom waits 3 s
    found = subprocess.run(["pgrep", "-f", "cours-rn-fantome"], capture_output=True)
    assert found.stdout == b""
    assert (classe / "notes.csv").read_bytes() == notes
    assert not list(Path(tempfile.gettempdir()).glob("cours-rn-*"))


def test_gradebook_holds_the_honest_grades(corpus):
    with Gradebook(f"sqlite:///{corpus[0] / 'gradebook.db'}") as gb:
        for student in (
            "alice_martin",
            "lecture_tests_caches",
            "ecriture_carnet_de_notes",
        ):
            nb = gb.find_submission_notebook(CHAPTER, CHAPTER, student)
            assert nb.score == 6


def test_feedback_holds_no_hidden_test_and_no_injected_file(corpus):
    pages = list((corpus[0] / "retours").glob("*/*.html"))
    assert len(pages) == len(EXPECTED)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for secret in ["HIDDEN", "hidden=True", "BEGIN SOLUTION", "INJECTION"]:
            assert secret not in text, page


def test_failure_messages_name_the_fault(corpus):
    def messages(student):
        path = corpus[0] / "resultats" / student / f"{CHAPTER}.json"
        return {
            r["exercice"]: r["message"]
            for r in json.loads(path.read_text())["exercices"]
        }

    assert "temps limite" in messages("boucle_infinie")["mse"]
    assert "mémoire" in messages("bombe_memoire")["mse"]
    assert "corrigé" in messages("import_des_solutions")["mse"]
    assert "un objet de type ToujoursEgal" in messages("objet_toujours_egal")["mse"]


def test_plain_nbgrader_sanitises_tampered_test_cells(corpus, tmp_path):
    classe = tmp_path / "classe"
    shutil.copytree(corpus[0], classe)
    for scenario in ("metadonnees_modifiees", "tests_dupliques", "tests_retypes"):
        target = classe / "submitted" / scenario / CHAPTER / f"{CHAPTER}.ipynb"
        shutil.copy(CORPUS / scenario / f"{CHAPTER}.ipynb", target)  # raw file
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "autograde", CHAPTER, "--student",
             scenario, "--force"],
            cwd=classe, capture_output=True, text=True, timeout=300,
            env={"PATH": f"{sys.prefix}/bin:/usr/bin:/bin"},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        with Gradebook(f"sqlite:///{classe / 'gradebook.db'}") as gb:
            nb = gb.find_submission_notebook(CHAPTER, CHAPTER, scenario)
            assert (nb.score, nb.max_score) == (5, 6)


def test_without_bubblewrap_limits_still_apply_and_it_is_said_once(
    monkeypatch, tmp_path
):
    monkeypatch.setattr(sandbox, "bwrap", lambda: None)
    monkeypatch.setattr("grader.grading.bwrap", lambda: None)
    folder = tmp_path / "rendus"
    for student in ("boucle_infinie", "os_exit"):
        shutil.copytree(CORPUS / student, folder / student)
    code, out, _ = run("corriger", folder, "--classe", tmp_path / "classe", *LIMITS)
    assert code == 0
    assert out.count(NO_SANDBOX) == 1
    rows = read_notes(tmp_path / "classe")
    got = {(r["etudiant"], r["exercice"]): (float(r["points"]), r["statut"])
           for r in rows}  # fmt: skip
    assert got[("boucle_infinie", "mse")] == (0, T)
    assert got[("boucle_infinie", "predict")] == (1, OK)
    assert got[("os_exit", "rmse")] == (0, C)

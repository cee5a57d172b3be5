"""`cours-rn corriger` on the example class and on bad input."""

import csv
import json
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbgrader.api import Gradebook

from grader.course import chapters
from grader.grading import COLUMNS
from tests import exemple_classe
from tests.conftest import ROOT, run

EXAMPLE = ROOT / "data" / "exemple_classe"
CHAPTER = "01_equation_normale"
R, F, N = "réussi", "échoué", "non traité"
# (points, statut) per exercise: add_bias, predict, mse, rmse, normal_equation
CH02, CH03 = "02_descente_de_gradient", "03_sgd_mini_lots"
CH04, CH05 = "04_inertie_nesterov", "05_optimiseurs_adaptatifs"
CH06, CH07 = "06_regularisation", "07_dropout"
CH08, CH09 = "08_gradients_instables", "09_normalisation_par_lots"
CH10, CH11 = "10_augmentation_donnees", "11_projet_synthese"
KEY = "classe-exemple-cours-rn-cle-fixe-0001"  # the reference: 0.98 on its test
ALL_CH01 = [(1, R), (1, R), (1, R), (1, R), (2, R)]
# (points, statut) per exercise, in the notebook's order, per student and notebook
EXPECTED = {
    "alice_martin": {
        CHAPTER: ALL_CH01,
        CH02: [(1, R), (1, R), (2, R)],
        CH03: [(1, R), (2, R), (2, R)],
        CH04: [(3, R)],
        CH05: [(2, R), (2, R), (3, R)],
        CH06: [(2, R), (1, R), (1, R), (1, R), (1, R)],
        CH07: [(2, R), (1, R)],
        CH08: [(1, R)] * 6 + [(2, R)] * 4,
        CH09: [(2, R), (2, R)],
        CH10: [(2, R), (2, R)],
        CH11: [(10, R)],
    },
    "bruno_petit": {
        CHAPTER: [(1, R), (1, R), (0, F), (0, F), (2, R)],
        CH02: [(0, F), (1, R), (0, F)],
        CH03: [(1, R), (0, F), (2, R)],
        CH04: [(0, F)],
        CH05: [(2, R), (2, R), (0, F)],
        CH06: [(0, F), (1, R), (0, F), (1, R), (1, R)],
        CH07: [(0, F), (1, R)],
        # sigmoid_derivative uses the overflowing sigmoid
        CH08: [(0, F), (0, F)] + [(1, R)] * 4 + [(2, R)] * 3 + [(0, F)],
        CH09: [(0, F), (0, F)],
        CH10: [(0, F), (0, F)],
        CH11: [(0, F)],
    },
    "chloe_durand": {
        CHAPTER: [(0, N)] * 5,
        CH02: [(0, N)] * 3,
        CH03: [(0, N)] * 3,
        CH04: [(0, N)],
    },
    "david_moreau": {
        CHAPTER: [(1, R), (1, R), (0, F), (0, F), (0, F)],
        CH02: [(1, R), (0, F), (2, R)],
        CH05: [(0, F), (2, R), (3, R)],
    },
    "Elodie_Lefevre": {
        CHAPTER: [(0, F), (0, F), (1, R), (1, R), (0, F)],
        CH03: [(1, R), (2, R), (0, F)],
    },
}
MAX = {CHAPTER: 6, CH02: 4, CH03: 5, CH04: 3, CH05: 7, CH06: 6, CH07: 3}
MAX.update({CH08: 14, CH09: 4, CH10: 4, CH11: 10})


def read_notes(classe):
    with open(classe / "notes.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def grades_of(rows):
    """{student: {notebook: [(points, statut), ...]}}."""
    table = {}
    for r in rows:
        table.setdefault(r["etudiant"], {}).setdefault(r["cahier"], []).append(
            (float(r["points"]), r["statut"])
        )
    return table


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    classe = tmp_path_factory.mktemp("classe")
    (classe / "cle_secrete.txt").write_text(KEY + "\n")  # the project's test split
    code, out, err = run("corriger", EXAMPLE, "--classe", classe, "--workers", "2")
    return classe, code, out, err


def test_example_class_is_up_to_date(tmp_path):
    for path in exemple_classe.build(tmp_path):
        committed = EXAMPLE / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), (
            "data/exemple_classe n'est pas à jour : python tests/exemple_classe.py"
        )


def test_example_class_grades_exercise_by_exercise(graded):
    classe, code, _, err = graded
    assert code == 0
    assert err == ""
    assert grades_of(read_notes(classe)) == EXPECTED


def test_notes_csv_has_the_documented_columns(graded):
    classe = graded[0]
    header = (classe / "notes.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == COLUMNS
    rows = read_notes(classe)
    assert {r["cahier"] for r in rows} == set(MAX)
    points = {
        (ch.name, ex.name): f"{ex.points:g}"
        for ch in chapters().values()
        for ex in ch.exercises
    }
    assert all(r["points_max"] == points[r["cahier"], r["exercice"]] for r in rows)


def test_gradebook_holds_the_same_grades(graded):
    classe = graded[0]
    with Gradebook(f"sqlite:///{classe / 'gradebook.db'}") as gb:
        for student, notebooks in EXPECTED.items():
            for name, row in notebooks.items():
                nb = gb.find_submission_notebook(name, name, student)
                assert nb.score == sum(points for points, _ in row)


def test_failures_name_the_mistake(graded):
    classe = graded[0]
    bruno = json.loads(
        (classe / "resultats" / "bruno_petit" / f"{CHAPTER}.json").read_text()
    )
    messages = {r["exercice"]: r["message"] for r in bruno["exercices"]}
    assert "somme des carrés" in messages["mse"]
    assert "vous renvoyez la MSE" in messages["rmse"]
    bruno = json.loads(
        (classe / "resultats" / "bruno_petit" / f"{CH09}.json").read_text()
    )
    messages = {r["exercice"]: r["message"] for r in bruno["exercices"]}
    assert "divisée par m − 1" in messages["batchnorm_forward"]
    assert "passent par la moyenne et la variance" in messages["batchnorm_backward"]
    bruno = json.loads(
        (classe / "resultats" / "bruno_petit" / f"{CH10}.json").read_text()
    )
    messages = {r["exercice"]: r["message"] for r in bruno["exercices"]}
    assert "np.roll seul" in messages["shift_image"]
    assert "dans le mauvais sens" in messages["rotate_image"]
    bruno = json.loads(
        (classe / "resultats" / "bruno_petit" / f"{CH11}.json").read_text()
    )
    assert "pas les classes prédites" in bruno["exercices"][0]["message"]
    elodie = json.loads(
        (classe / "resultats" / "Elodie_Lefevre" / f"{CHAPTER}.json").read_text()
    )
    assert elodie["dossier"] == "Élodie Lefevre".replace("Lefevre", "Lefèvre")
    assert "ajoutée en dernier" in elodie["exercices"][0]["message"]


def test_the_project_is_graded_on_the_class_s_test_split(graded):
    classe = graded[0]
    assert (classe / "cle_secrete.txt").read_text().strip() == KEY
    alice = json.loads(
        (classe / "resultats" / "alice_martin" / f"{CH11}.json").read_text()
    )
    (row,) = alice["exercices"]
    assert "Exactitude sur les 360 chiffres de test" in row["message"]
    assert "Matrice de confusion" in row["message"]
    page = (classe / "retours" / "alice_martin" / f"{CH11}.html").read_text()
    assert '<img alt="Courbes de perte et d&#x27;exactitude' in page
    assert "data:image/png;base64," in page


def test_feedback_is_french_html_without_hidden_tests(graded):
    classe = graded[0]
    for student, notebooks in EXPECTED.items():
        for name, row in notebooks.items():
            page = (classe / "retours" / student / f"{name}.html").read_text()
            assert '<html lang="fr">' in page
            total = sum(points for points, _ in row)
            assert f"Note : <strong>{total:g} / {MAX[name]}</strong>" in page
            for secret in ["HIDDEN", "hidden=True", "BEGIN SOLUTION", "verifier("]:
                assert secret not in page


def test_output_shows_progress_notices_and_summary(graded):
    _, _, out, _ = graded
    assert "Dossier « Élodie Lefèvre » : caractères spéciaux" in out
    n = sum(len(notebooks) for notebooks in EXPECTED.values())
    assert f"/{n}] alice_martin · 01_equation_normale : 6/6" in out
    assert f"[{n}/{n}]" in out
    summary = out[out.index("Cahier 01_equation_normale") :]
    assert "alice_martin    ✔ 1" in summary
    assert "Légende" in summary
    assert "Traceback" not in out


def test_plain_nbgrader_works_in_the_course_directory(graded, tmp_path):
    classe = tmp_path / "classe"
    shutil.copytree(graded[0], classe)
    bindir = str(ROOT / ".venv" / "bin") if (ROOT / ".venv").exists() else ""
    env = {"PATH": f"{bindir}:{sys.prefix}/bin:/usr/bin:/bin"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbgrader",
            "autograde",
            CHAPTER,
            "--student",
            "bruno_petit",
            "--force",
        ],
        cwd=classe,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with Gradebook(f"sqlite:///{classe / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(CHAPTER, CHAPTER, "bruno_petit")
        assert nb.score == 4


@pytest.fixture(scope="module")
def mixed(graded, tmp_path_factory):
    """A second, messy folder graded into a copy of the example's course."""
    base = tmp_path_factory.mktemp("mixte")
    classe = base / "classe"
    shutil.copytree(graded[0], classe)
    folder = base / "rendus"
    good = EXAMPLE / "alice_martin" / f"{CHAPTER}.ipynb"
    blank = EXAMPLE / "chloe_durand" / f"{CHAPTER}.ipynb"
    (folder / "eve").mkdir(parents=True)
    shutil.copy(good, folder / "eve" / f"{CHAPTER}.ipynb")
    shutil.copy(blank, folder / "eve" / f"{CHAPTER} (copie).ipynb")
    (folder / "eve" / "notes.txt").write_text("brouillon")
    (folder / "franck").mkdir()
    (folder / "franck" / f"{CHAPTER}.ipynb").write_text('{"cells": [')
    (folder / "gaby").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), folder / "gaby" / "autre.ipynb")
    (folder / "h@ns m!").mkdir()
    shutil.copy(blank, folder / "h@ns m!" / "mon_rendu.ipynb")
    (folder / "alice_martin").mkdir()
    (folder / "alice_martin" / f"{CHAPTER}.ipynb").write_bytes(b"\x89PNG\r\n")
    (folder / "lisezmoi.txt").write_text("rendus du groupe B")
    noisy = dict(exemple_classe.CORRECT)  # right answer that logs on stderr
    noisy["mse"] = (
        "import os, warnings\nos.write(2, b'journal de bas niveau\\n')\n"
        "warnings.warn('avertissement')\n" + noisy["mse"]
    )
    student_nb = nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", 4)
    (folder / "ines").mkdir()
    nbformat.write(
        exemple_classe.fill(student_nb, noisy), folder / "ines" / f"{CHAPTER}.ipynb"
    )
    code, out, err = run("corriger", folder, "--classe", classe)
    return classe, code, out, err


def test_bad_input_gets_one_french_line_each(mixed):
    _, code, out, err = mixed
    assert code == 0 and err == ""
    expected_lines = [
        "« lisezmoi.txt » : fichier hors d'un dossier d'étudiant, ignoré",
        "« eve/notes.txt » : pas un cahier (.ipynb), ignoré.",
        f"« eve/{CHAPTER} (copie).ipynb » : deuxième cahier pour {CHAPTER} ; "
        f"seul « {CHAPTER}.ipynb » est corrigé.",
        f"« franck/{CHAPTER}.ipynb » : JSON corrompu",
        "« gaby/autre.ipynb » : cahier inconnu du cours, ignoré.",
        "Dossier « h@ns m! » : caractères spéciaux, corrigé sous l'identifiant "
        "« h_ns_m »",
        f"« alice_martin/{CHAPTER}.ipynb » : illisible : ce n'est pas un fichier "
        "texte UTF-8",
    ]
    for line in expected_lines:
        assert line in out
    assert "Traceback" not in out


def test_bad_input_grades_the_rest_and_loses_nothing(mixed, graded):
    classe = mixed[0]
    table = grades_of(read_notes(classe))
    before = grades_of(read_notes(graded[0]))
    for student in EXPECTED:  # alice's unreadable resubmission erased nothing
        assert table[student] == before[student]
    assert table["eve"] == {CHAPTER: ALL_CH01}
    assert table["h_ns_m"] == {CHAPTER: [(0, N)] * 5}
    assert table["franck"] == {CHAPTER: [(0, N)] * 5}
    assert "gaby" not in table
    assert table["ines"] == {CHAPTER: ALL_CH01}


def test_grading_twice_gives_the_same_notes(graded, tmp_path):
    """Regrading (with fresh random inputs, here in one process while the class
    was graded by one per core) changes no grade; the notebooks regraded here
    are the quick ones of two students, one right, one wrong."""
    classe = tmp_path / "classe"
    shutil.copytree(graded[0], classe)
    again = tmp_path / "rendus"
    for student in ("alice_martin", "bruno_petit"):
        (again / student).mkdir(parents=True)
        for name in (CHAPTER, CH02, CH03):
            shutil.copy(EXAMPLE / student / f"{name}.ipynb", again / student)
    code, out, _ = run(
        "corriger", again, "--classe", classe, "--workers", "1", "--recorriger"
    )
    assert code == 0
    assert "Correction de 6 cahier(s)" in out and "(1 processus)" in out
    assert (classe / "notes.csv").read_text() == (graded[0] / "notes.csv").read_text()


def test_course_directory_inside_the_folder_is_not_a_student(tmp_path):
    folder = tmp_path / "rendus"
    (folder / "chloe").mkdir(parents=True)
    shutil.copy(EXAMPLE / "chloe_durand" / f"{CHAPTER}.ipynb", folder / "chloe")
    for _ in range(2):
        code, out, _ = run("corriger", folder, "--classe", folder / "classe")
        assert code == 0
    assert "« classe" not in out and "classe ·" not in out
    assert {r["etudiant"] for r in read_notes(folder / "classe")} == {"chloe"}

"""The `cours-rn` command: French help, usage errors exit 2, self-check."""

import subprocess
import sys

import pytest

from grader.cli import main
from tests.conftest import ROOT, run

EXAMPLE = ROOT / "data" / "exemple_classe"
NOTEBOOK = "01_equation_normale.ipynb"


def test_help_is_french(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage : cours-rn")
    assert "affiche cette aide et quitte" in out
    for command in ["publier", "verifier", "corriger"]:
        assert command in out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMANDE" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["corrige"], "choix invalide"),
        (["corriger"], "argument obligatoire manquant : DOSSIER"),
        (["corriger", ".", "--inconnue"], "arguments non reconnus : --inconnue"),
        (["corriger", ".", "--classe"], "une valeur est attendue"),
        (["corriger", ".", "--workers", "0"], "entier ≥ 1 attendu, reçu « 0 »"),
        (["corriger", ".", "--workers", "deux"], "entier ≥ 1 attendu"),
    ],
)
def test_usage_errors_exit_2_in_french(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "cours-rn" in err and "erreur" in err and message in err


def test_bad_paths_exit_2_in_french(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("rien")
    corrupt = tmp_path / "casse.ipynb"
    corrupt.write_text("{")
    cases = [
        (["corriger", tmp_path / "absent"], "dossier introuvable"),
        (["corriger", text], "n'est ni un dossier ni une archive zip"),
        (["corriger", tmp_path, "--classe", text], "existe et n'est pas un dossier"),
        (["corriger", tmp_path, "--cahier", "42"], "« 42 » ne désigne aucun cahier"),
        (
            ["corriger", tmp_path, "--workers", "2", "--scheduler", "tcp://h:8786"],
            "--workers et --scheduler s'excluent",
        ),
        (["verifier", tmp_path / "absent.ipynb"], "cahier introuvable"),
        (["verifier", text], "n'est pas un cahier Jupyter"),
        (["verifier", corrupt], "JSON corrompu"),
    ]
    for argv, message in cases:
        code, out, err = run(*argv)
        assert code == 2, argv
        assert message in out + err
        assert "Traceback" not in out + err


def test_process_exit_code_without_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "grader.cli", "corriger", str(tmp_path / "absent")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("cours-rn : erreur : dossier introuvable")
    assert "Traceback" not in done.stderr


def test_empty_folder_is_said(tmp_path):
    code, out, _ = run("corriger", tmp_path, "--classe", tmp_path / "classe")
    assert code == 0
    assert "Aucun cahier du cours trouvé" in out


def test_self_check_gives_verdicts_and_hints():
    code, out, _ = run("verifier", EXAMPLE / "bruno_petit" / NOTEBOOK)
    assert code == 1
    assert "✔ add_bias : réussi" in out
    assert "✘ mse : échoué" in out
    assert "Indice : vous renvoyez la somme des carrés" in out
    assert "3/5 exercice(s) réussi(s)." in out


def test_publish_writes_the_student_notebooks(tmp_path):
    code, out, _ = run("publier", "--sortie", tmp_path)
    assert code == 0
    written = tmp_path / NOTEBOOK
    assert written.read_text() == (ROOT / "notebooks" / NOTEBOOK).read_text()
    assert "Cahier étudiant écrit" in out

"""`cours-rn corriger` on the archive of Moodle's « Télécharger tous les travaux
remis », and the files it writes back for Moodle."""

import csv
import zipfile

import pytest

from tests.conftest import run
from tests.test_grading import CHAPTER, EXAMPLE, EXPECTED, grades_of, read_notes

NB = f"{CHAPTER}.ipynb"


def archive(path):
    """A Moodle archive: folders (Moodle ≥ 4.1 and older), flat names, noise."""
    with zipfile.ZipFile(path, "w") as z:
        z.write(
            EXAMPLE / "alice_martin" / NB,
            f"Alice Martin_1001_assignsubmission_file/{NB}",
        )
        z.write(
            EXAMPLE / "bruno_petit" / NB,
            f"Bruno Petit_1002_assignsubmission_file_/sous-dossier/{NB}",
        )
        z.write(
            EXAMPLE / "Élodie Lefèvre" / NB,
            f"Élodie Lefèvre_1003_assignsubmission_file_{NB}",
        )
        z.write(
            EXAMPLE / "chloe_durand" / NB,
            f"Participant_1004_assignsubmission_file_{NB}",
        )
        z.writestr(
            "Bruno Petit_1002_assignsubmission_onlinetext/onlinetext.html",
            "<p>Bonjour</p>",
        )
        z.writestr(f"../../evasion_1005_assignsubmission_file_{NB}", "{}")
        z.writestr(f"Mallory_1006_assignsubmission_file/../../{NB}", "{}")
        z.writestr("lisez-moi.txt", "archive")
        z.writestr("__MACOSX/._x", "")
    return path  # fmt: skip


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("moodle")
    bundle = archive(base / "devoir.zip")
    classe = base / "classe"
    code, out, err = run("corriger", bundle, "--classe", classe, "--workers", "2")
    return base, classe, code, out, err


def test_archive_is_graded_participant_by_participant(graded):
    base, classe, code, out, err = graded
    assert code == 0 and err == "", out + err
    assert "Archive Moodle : 4 participant(s)" in out
    table = grades_of(read_notes(classe))
    assert table == {
        "Alice_Martin_1001": {CHAPTER: EXPECTED["alice_martin"][CHAPTER]},
        "Bruno_Petit_1002": {CHAPTER: EXPECTED["bruno_petit"][CHAPTER]},
        "Elodie_Lefevre_1003": {CHAPTER: EXPECTED["Elodie_Lefevre"][CHAPTER]},
        "Participant_1004": {CHAPTER: EXPECTED["chloe_durand"][CHAPTER]},
    }


def test_unexpected_members_are_said_and_nothing_escapes(graded):
    base, classe, _, out, _ = graded
    assert "onlinetext.html » : pas un cahier (.ipynb), ignoré." in out
    assert "« lisez-moi.txt » : nom de fichier qui n'est pas celui d'un travail" in out
    assert "evasion_1005" in out and "Mallory_1006" in out
    assert sorted(p.name for p in base.iterdir()) == ["classe", "devoir.zip"]
    assert not list(classe.parent.parent.glob(NB))
    assert "Traceback" not in out


def test_grading_worksheet_for_moodle(graded):
    classe = graded[1]
    with open(classe / "moodle" / "notes_moodle.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {r["Identifiant"]: r for r in rows}
    assert set(by_id) == {f"Participant {n}" for n in (1001, 1002, 1003, 1004)}
    expected = {
        "1001": ("Alice Martin", "alice_martin"),
        "1002": ("Bruno Petit", "bruno_petit"),
        "1003": ("Élodie Lefèvre", "Elodie_Lefevre"),
        "1004": ("Participant", "chloe_durand"),
    }
    for pid, (name, student) in expected.items():
        row = by_id[f"Participant {pid}"]
        total = sum(points for points, _ in EXPECTED[student][CHAPTER])
        assert row["Nom complet"] == name
        assert (row["Note"], row["Note maximale"]) == (f"{total:g}", "6")
        assert row["Dernière modification (note)"] == "-"


def test_feedback_files_are_named_for_moodle_upload(graded):
    classe = graded[1]
    with zipfile.ZipFile(classe / "moodle" / "retours_moodle.zip") as z:
        names = sorted(z.namelist())
        page = z.read(f"Bruno Petit_1002_assignsubmission_file_{CHAPTER}.html")
    assert len(names) == 4
    for name in names:  # how Moodle's importer splits a feedback file name
        fullname, pid, plugin, kind, filename = name.split("_", 4)
        assert pid.isdigit() and (plugin, kind) == ("assignsubmission", "file")
        assert filename == f"{CHAPTER}.html"
    assert "Note : <strong>4 / 6</strong>" in page.decode()


def test_not_an_archive_is_refused_in_french(tmp_path):
    broken = tmp_path / "devoir.zip"
    broken.write_bytes(b"PK\x03\x04 tronque")
    code, out, err = run("corriger", broken, "--classe", tmp_path / "classe")
    assert code == 2
    assert "n'est ni un dossier ni une archive zip" in err

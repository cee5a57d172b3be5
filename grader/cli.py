"""The ``cours-rn`` command: publier, verifier, corriger (messages in French)."""

import argparse
import os
import sys
import time
from pathlib import Path

_FRENCH = dict(
    [
        ("usage: ", "usage : "),
        ("positional arguments", "arguments"),
        ("options", "options"),
        ("show this help message and exit", "affiche cette aide et quitte"),
        ("%(prog)s: error: %(message)s\n", "%(prog)s : erreur : %(message)s\n"),
        (
            "the following arguments are required: %s",
            "argument obligatoire manquant : %s",
        ),
        ("unrecognized arguments: %s", "arguments non reconnus : %s"),
        (
            "invalid choice: %(value)r (choose from %(choices)s)",
            "choix invalide : %(value)r (choix possibles : %(choices)s)",
        ),
        (
            "argument %(argument_name)s: %(message)s",
            "argument %(argument_name)s : %(message)s",
        ),
        ("expected one argument", "une valeur est attendue"),
        ("invalid %(type)s value: %(value)r", "valeur %(type)s invalide : %(value)r"),
        (
            "ambiguous option: %(option)s could match %(matches)s",
            "option ambiguë : %(option)s peut désigner %(matches)s",
        ),
        (
            "unknown parser %(parser_name)r (choices: %(choices)s)",
            "commande inconnue %(parser_name)r (choix possibles : %(choices)s)",
        ),
    ]
)
argparse._ = lambda text: _FRENCH.get(text, text)  # argparse speaks French here


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur : {message}\n")


def _positive(text):
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"nombre positif attendu, reçu « {text} »")
    return value


def _usage_error(message):
    print(f"cours-rn : erreur : {message}", file=sys.stderr)
    return 2


def build_parser():
    parser = _Parser(
        prog="cours-rn",
        description="Cours RN : publier les cahiers, les vérifier, corriger "
        "une classe.",
    )
    sub = parser.add_subparsers(
        dest="commande", metavar="COMMANDE", parser_class=_Parser
    )
    pub = sub.add_parser(
        "publier",
        help="régénère les cahiers des étudiants à partir des cahiers enseignant",
        description="Régénère les cahiers des étudiants (notebooks/) à partir des "
        "cahiers enseignant (solutions/notebooks/) : solutions et tests cachés "
        "retirés.",
    )
    pub.add_argument(
        "--sortie",
        metavar="DOSSIER",
        type=Path,
        help="dossier de sortie (par défaut : notebooks/ du projet)",
    )
    ver = sub.add_parser(
        "verifier",
        help="exécute un cahier et donne le verdict de chaque exercice",
        description="Exécute CAHIER dans un noyau neuf (sans le modifier) et "
        "affiche, exercice par exercice, réussi ou échoué avec le message.",
    )
    ver.add_argument(
        "cahier", metavar="CAHIER", type=Path, help="le cahier à vérifier (.ipynb)"
    )
    cor = sub.add_parser(
        "corriger",
        help="corrige tous les rendus d'une classe",
        description="Corrige chaque DOSSIER/<étudiant>/*.ipynb (ou l'archive "
        "des travaux remis d'un devoir Moodle) avec nbgrader, en parallèle, écrit "
        "notes.csv et un retour HTML par étudiant et par cahier (et, pour Moodle, "
        "la feuille d'évaluation et le zip des fichiers de feedback). Relancée, "
        "la commande ne corrige que ce qui a changé ou manque.",
    )
    cor.add_argument(
        "dossier",
        metavar="DOSSIER",
        type=Path,
        help="dossier des rendus, un sous-dossier par étudiant ; ou l'archive zip "
        "de Moodle (« Télécharger tous les travaux remis »)",
    )
    cor.add_argument(
        "--classe",
        metavar="DIR",
        type=Path,
        default=Path("classe"),
        help="dossier de travail de la correction : carnet de notes, "
        "copies, retours, notes.csv (par défaut : ./classe)",
    )
    cor.add_argument(
        "--delai-cellule",
        metavar="S",
        type=_positive,
        default=30.0,
        help="temps limite d'une cellule, en secondes (défaut : 30)",
    )
    cor.add_argument(
        "--delai-cahier",
        metavar="S",
        type=_positive,
        default=300.0,
        help="temps limite d'un cahier, en secondes (défaut : 300)",
    )
    cor.add_argument(
        "--memoire",
        metavar="Mio",
        type=_positive,
        default=4096,
        help="mémoire maximale d'un rendu, en Mio (défaut : 4096)",
    )
    cor.add_argument(
        "--workers",
        metavar="N",
        type=_count,
        default=None,
        help="nombre de rendus corrigés en parallèle sur cette machine "
        "(défaut : un par cœur disponible)",
    )
    cor.add_argument(
        "--scheduler",
        metavar="ADRESSE",
        help="adresse d'un ordonnanceur Dask existant (tcp://hôte:8786) : les "
        "rendus sont exécutés sur ses workers, les notes enregistrées ici",
    )
    cor.add_argument(
        "--db",
        metavar="URL",
        help="carnet de notes SQLAlchemy, par exemple "
        "postgresql://utilisateur@hôte/base (défaut : SQLite dans --classe)",
    )
    cor.add_argument(
        "--etudiant",
        metavar="ID",
        action="append",
        default=[],
        help="ne corriger que cet étudiant (dossier ou identifiant ; répétable)",
    )
    cor.add_argument(
        "--cahier",
        metavar="NOM",
        action="append",
        default=[],
        help="ne corriger que ce cahier (nom ou début de nom, par ex. 06 ; répétable)",
    )
    cor.add_argument(
        "--recorriger",
        action="store_true",
        help="corriger à nouveau les rendus déjà corrigés et inchangés",
    )
    site = sub.add_parser(
        "site",
        help="construit le site HTML du cours, à lire",
        description="Exécute les cahiers enseignant et en fait un site HTML statique "
        "(sommaire en français, formules, figures), sans les solutions ni les "
        "tests cachés.",
    )
    site.add_argument(
        "--sortie",
        metavar="DOSSIER",
        type=Path,
        default=Path("build/site"),
        help="dossier du site (par défaut : build/site)",
    )
    site.add_argument(
        "--cahier",
        metavar="NOM",
        action="append",
        default=[],
        help="ne construire que ce chapitre (nom ou début de nom ; répétable)",
    )
    return parser


def _count(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"entier ≥ 1 attendu, reçu « {text} »")
    return value


def main(argv=None):
    # nbgrader runs `alembic` from PATH: make this environment's tools visible
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.commande is None:
        parser.print_help()
        return 2
    try:
        commands = {"publier": _publier, "verifier": _verifier, "corriger": _corriger}
        return {**commands, "site": _site}[args.commande](args)
    except KeyboardInterrupt:
        print("\nInterrompu. Les notes déjà enregistrées sont conservées.")
        return 130
    except Exception as exc:  # last resort: one French line, details on demand
        if os.environ.get("COURS_RN_DEBUG"):
            raise
        print(
            f"cours-rn : erreur inattendue : {type(exc).__name__} : {exc}\n"
            "Les notes déjà enregistrées sont conservées. Relancez avec "
            "COURS_RN_DEBUG=1 pour le détail, et signalez-le.",
            file=sys.stderr,
        )
        return 1


def _publier(args):
    from grader.course import project_root
    from grader.publish import publish

    out = args.sortie or project_root() / "notebooks"
    for path in publish(out):
        print(f"Cahier étudiant écrit : {path}")
    return 0


def _site(args):
    from grader.course import chapters
    from grader.site import SiteError, build

    names = [c for c in chapters() if not args.cahier or any(
        c.startswith(n) for n in args.cahier)]  # fmt: skip
    if not names:
        return _usage_error(
            f"--cahier : aucun cahier du cours ne correspond à {args.cahier}"
        )
    if args.sortie.exists() and not args.sortie.is_dir():
        return _usage_error(f"--sortie : {args.sortie} existe et n'est pas un dossier")
    try:
        pages = build(args.sortie, names)
    except SiteError as exc:
        print(f"cours-rn : erreur : {exc}", file=sys.stderr)
        return 1
    print(f"Site écrit : {pages[0]} ({len(pages) - 1} chapitre(s))")
    return 0


def _verifier(args):
    from grader.selfcheck import check_notebook

    path = args.cahier
    if not path.is_file():
        return _usage_error(f"cahier introuvable : {path}")
    if path.suffix != ".ipynb":
        return _usage_error(f"{path} n'est pas un cahier Jupyter (.ipynb attendu)")
    return check_notebook(path)


def _corriger(args):
    folder = args.dossier
    if not folder.exists():
        return _usage_error(f"dossier introuvable : {folder}")
    from grader.moodle import is_archive

    if not folder.is_dir() and not is_archive(folder):
        return _usage_error(
            f"{folder} n'est ni un dossier ni une archive zip (Moodle : « Télécharger "
            "tous les travaux remis »)"
        )
    if args.classe.exists() and not args.classe.is_dir():
        return _usage_error(f"--classe : {args.classe} existe et n'est pas un dossier")
    from grader.course import chapters
    from grader.grading import grade_folder
    from grader.parallel import default_workers
    from grader.sandbox import Limits

    unknown = [n for n in args.cahier if not any(c.startswith(n) for c in chapters())]
    if unknown:
        names = ", ".join(chapters())
        return _usage_error(
            f"--cahier : « {unknown[0]} » ne désigne aucun cahier du cours ({names})"
        )
    if args.scheduler and args.workers:
        return _usage_error("--workers et --scheduler s'excluent : choisissez l'un")
    limits = Limits(args.delai_cellule, args.delai_cahier, int(args.memoire * 2**20))
    start = time.perf_counter()
    code = grade_folder(
        folder,
        args.classe,
        limits=limits,
        workers=args.workers or default_workers(),
        scheduler=args.scheduler,
        db_url=args.db,
        students=args.etudiant,
        notebooks=args.cahier,
        regrade=args.recorriger,
    )
    print(f"Durée : {time.perf_counter() - start:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())

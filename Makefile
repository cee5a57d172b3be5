# Cours RN — deux commandes font toute l'installation sur une machine neuve :
#   make demo   crée l'environnement si besoin, puis corrige la classe d'exemple
#   make test   crée l'environnement si besoin, puis lance toute la suite de tests

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installe
export PATH := $(BIN):$(PATH)

.PHONY: demo test lab publier site lint bench bac-a-sable clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cours-rn corriger data/exemple_classe --classe build/classe-demo

test: $(STAMP) bac-a-sable
	$(BIN)/python -m pytest

# JupyterLab en français sur les cahiers des étudiants, avec le jeton habituel et
# le navigateur ouvert comme d'ordinaire. La langue (fr_FR, paquet
# jupyterlab-language-pack-fr-FR) est fixée dans jupyterlab/user-settings/, un
# dossier du dépôt qui tient lieu de dossier des réglages de l'utilisateur
# (~/.jupyter/lab/user-settings) : le français ne dépend donc pas du dossier
# personnel, et les réglages changés dans l'interface restent avec le cours.
# Lancé depuis notebooks/, racine du serveur (et du cours pour nbgrader) ; les
# cahiers trouvent data/ en remontant les dossiers.
lab: $(STAMP)
	cd notebooks && $(BIN)/jupyter lab \
	  --LabApp.user_settings_dir="$(CURDIR)/jupyterlab/user-settings" \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Ce dont les tests ont besoin sur la machine (paquets Debian, installés si
# possible) : bubblewrap pour confiner les rendus, PostgreSQL pour le carnet de
# notes sur serveur (tests/test_cluster.py démarre son propre serveur), Chromium
# pour le test de bout en bout dans JupyterLab (tests/test_navigateur.py).
bac-a-sable:
	@command -v bwrap >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb \
	  >/dev/null 2>&1 && command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -q bubblewrap postgresql chromium >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && \
	      apt-get install -y -q bubblewrap postgresql chromium >/dev/null; }; \
	  fi; }
	@command -v bwrap >/dev/null 2>&1 || echo "bubblewrap absent : confinement réduit,\
	 tests du corpus adverse sautés (installez le paquet « bubblewrap »)."
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || echo "PostgreSQL absent :\
	 test de la grappe Dask et du carnet PostgreSQL sauté (paquet « postgresql »)."
	@command -v chromium >/dev/null 2>&1 || echo "Chromium absent : test dans le\
	 navigateur sauté (paquet « chromium »)."

bench: $(STAMP) bac-a-sable
	$(BIN)/python benchmarks/cahiers.py
	$(BIN)/python benchmarks/correction.py
	$(BIN)/python benchmarks/parallele.py
	$(BIN)/python benchmarks/projet.py

publier: $(STAMP)
	$(BIN)/cours-rn publier

# Site HTML du cours, à lire (cahiers enseignant exécutés, sans les solutions)
site: $(STAMP)
	$(BIN)/cours-rn site --sortie build/site

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check grader solutions tests

clean:
	rm -rf build .pytest_cache .ruff_cache

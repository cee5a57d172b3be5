# Cours RN — deux commandes font toute l'installation sur une machine neuve :
#   make demo   crée l'environnement si besoin, puis corrige la classe d'exemple
#   make test   crée l'environnement si besoin, puis lance toute la suite de tests

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installe
export PATH := $(BIN):$(PATH)

.PHONY: demo test publier lint bench bac-a-sable clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cours-rn corriger data/exemple_classe --classe build/classe-demo

test: $(STAMP) bac-a-sable
	$(BIN)/python -m pytest

# Ce dont les tests ont besoin sur la machine (paquets Debian, installés si
# possible) : bubblewrap pour confiner les rendus, PostgreSQL pour le carnet de
# notes sur serveur (tests/test_cluster.py démarre son propre serveur).
bac-a-sable:
	@command -v bwrap >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb \
	  >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get install -y -q bubblewrap postgresql >/dev/null 2>&1 || \
	    { apt-get update -q >/dev/null 2>&1 && \
	      apt-get install -y -q bubblewrap postgresql >/dev/null; }; \
	  fi; }
	@command -v bwrap >/dev/null 2>&1 || echo "bubblewrap absent : confinement réduit,\
	 tests du corpus adverse sautés (installez le paquet « bubblewrap »)."
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || echo "PostgreSQL absent :\
	 test de la grappe Dask et du carnet PostgreSQL sauté (paquet « postgresql »)."

bench: $(STAMP) bac-a-sable
	$(BIN)/python benchmarks/cahiers.py
	$(BIN)/python benchmarks/correction.py
	$(BIN)/python benchmarks/parallele.py

publier: $(STAMP)
	$(BIN)/cours-rn publier

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check grader solutions tests

clean:
	rm -rf build .pytest_cache .ruff_cache

# Cours RN — deux commandes font toute l'installation sur une machine neuve :
#   make demo   crée l'environnement si besoin, puis corrige la classe d'exemple
#   make test   crée l'environnement si besoin, puis lance toute la suite de tests

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installe
export PATH := $(BIN):$(PATH)

.PHONY: demo test publier lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cours-rn corriger data/exemple_classe --classe build/classe-demo

test: $(STAMP)
	$(BIN)/python -m pytest

publier: $(STAMP)
	$(BIN)/cours-rn publier

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check grader solutions tests

clean:
	rm -rf build .pytest_cache .ruff_cache

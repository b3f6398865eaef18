# Civic Data Training Kit: two commands.
#   make demo   set everything up, then run the main job on the sample city
#   make test   set everything up (with test tools), then lint (ruff) and run the test suite
# Both create .venv with Python 3.11 (override with PYTHON=...).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install install-test lab formgrader clean

demo: install
	$(BIN)/kit demo

test: lint
	$(BIN)/python -m pytest

# ruff: lint rules, import order and format, as configured in pyproject.toml
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (kit)" >/dev/null
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

# Learners: JupyterLab on the modules and exercises, with the kit's kernel.
lab: install
	$(BIN)/jupyter lab

# Trainers: JupyterLab in the course folder, where nbgrader's formgrader finds its config.
formgrader: install
	cd grader && ../$(BIN)/jupyter lab

clean:
	rm -rf $(VENV) grader/release grader/submitted grader/autograded grader/feedback grader/exports grader/gradebook.db

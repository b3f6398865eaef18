# Civic Data Training Kit: two commands.
#   make demo   set everything up, then run the main job on the sample city
#   make test   set everything up (with test tools), then lint (ruff) and run the test suite
# Both create .venv with Python 3.11 (override with PYTHON=...).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint install install-test install-browser install-hub lab formgrader clean

demo: install
	$(BIN)/kit demo

# a test process per core (pytest-xdist); each file's tests run in one process, sharing its fixtures
test: lint
	$(BIN)/python -m pytest -n auto --dist loadfile

# ruff: lint rules, import order and format, as configured in pyproject.toml
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test install-browser install-hub
# Chromium from the system's packages, for the browser tests (Playwright drives it; it never
# downloads a browser of its own). Debian/Ubuntu: apt-get (sudo when not root).
install-browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends chromium; }
# configurable-http-proxy, JupyterHub's proxy, from the npm registry into node_modules/ (package-lock.json)
install-hub: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

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

# Learners: the sample city's learner workspace (the first audience of plans/riverton.yaml: its
# modules, released exercises and datasets) in out/learner, opened in JupyterLab with a
# workspace-local Jupyter config (out/learner/.jupyter): nbgrader's Assignment List and Validate
# only, no Formgrader, Create Assignment or Course List; Submit goes to out/learner/.exchange.
# Your own Jupyter config is not touched. Built once (your answers stay): rm -rf out/learner to rebuild.
lab: install
	test -d out/learner/.jupyter || \
	  $(BIN)/python -c "from kit.course.bundle import build_lab_workspace; build_lab_workspace('out/learner')"
	cd out/learner && JUPYTER_CONFIG_DIR="$$PWD/.jupyter" $(abspath $(BIN))/jupyter lab

# Trainers: JupyterLab in the course folder, where nbgrader's formgrader finds its config.
formgrader: install
	cd grader && ../$(BIN)/jupyter lab

clean:
	rm -rf $(VENV) node_modules grader/release grader/submitted grader/autograded grader/feedback grader/exports grader/gradebook.db

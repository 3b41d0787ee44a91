# The two commands of the README: `make book` and `make test`. Both create .venv once and reuse it.
PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= cpu
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
# Extra options for the runner, e.g. RUN_ARGS="--data-root ~/data --fresh".
RUN_ARGS ?=

.PHONY: install book run html test lab clean

install: $(STAMP)

# Exact versions from requirements.lock, then the package itself (editable, so chapters see edits).
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# Execute every chapter (papermill, skipping up-to-date ones), then build the HTML book.
book: run html

run: $(STAMP)
	$(PY) -m mlxbook run --profile $(PROFILE) $(RUN_ARGS)

html: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"

# Unit tests, notebook hygiene, every notebook under nbval and the book build, on the smoke profile.
test: $(STAMP)
	MLXBOOK_PROFILE=smoke $(PY) -m pytest

# JupyterLab refuses to run as root unless told; containers often run as root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

clean:
	rm -rf _build book/chapters

# The two commands of the README: `make book` and `make test`. Both create .venv once and reuse it.
PYTHON  ?= python3
VENV    ?= .venv
PROFILE ?= cpu
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed-stamp
# MathJax is served from the book itself (pages read offline still typeset their maths).
MATHJAX_VERSION ?= 3.2.2
MATHJAX := book/_static/mathjax/tex-chtml.js
# Extra options for the runner, e.g. RUN_ARGS="--data-root ~/data --fresh".
RUN_ARGS ?=

.PHONY: install book run html test lab clean browser

install: $(STAMP) $(MATHJAX)

# Exact versions from requirements.lock, then the package itself (editable, so chapters see edits).
$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-cache-dir --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --no-cache-dir --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# MathJax 3's combined TeX->CHTML component and its woff fonts, from the npm registry.
$(MATHJAX):
	rm -rf book/_static/mathjax $(VENV)/mathjax-pack && mkdir -p book/_static/mathjax $(VENV)/mathjax-pack
	cd $(VENV)/mathjax-pack && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null && tar xzf mathjax-$(MATHJAX_VERSION).tgz
	cp $(VENV)/mathjax-pack/package/es5/tex-chtml.js book/_static/mathjax/
	mkdir -p book/_static/mathjax/output/chtml/fonts
	cp -r $(VENV)/mathjax-pack/package/es5/output/chtml/fonts/woff-v2 book/_static/mathjax/output/chtml/fonts/
	rm -rf $(VENV)/mathjax-pack

# The browser test drives Debian's chromium (installed here when missing; needs root or sudo).
browser:
	@command -v chromium >/dev/null || { $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# Execute every chapter (papermill, skipping up-to-date ones), then build the HTML book.
book: run html

run: $(STAMP)
	$(PY) -m mlxbook run --profile $(PROFILE) $(RUN_ARGS)

html: $(STAMP) $(MATHJAX)
	$(VENV)/bin/jupyter-book build . -W --keep-going
	@echo "The book: $(CURDIR)/_build/html/index.html"

# Unit tests, notebook hygiene, every notebook under nbval and the book build, on the smoke profile.
test: $(STAMP) $(MATHJAX) browser
	MLXBOOK_PROFILE=smoke $(PY) -m pytest

# JupyterLab refuses to run as root unless told; containers often run as root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

clean:
	rm -rf _build book/chapters

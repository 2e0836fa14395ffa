# The tasks behind the README's two commands: `make start` and `make test`.
VENV := .venv
PYTHON := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
MODULES := $(notdir $(patsubst %/,%,$(wildcard solutions/*/)))

.PHONY: start sandbox setup site exercises demo serve test test-fast lint bench lock clean

start: sandbox setup site demo  ## set everything up, then serve site, apps and exercises
	course serve

sandbox:  ## bubblewrap, the sandbox learner notebooks are graded in (Debian package; needs root)
	bash scripts/system-deps.sh bubblewrap

setup: $(VENV)/.installed  ## virtual environment with the pinned dependencies

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml deploy/package-lock.json tests/package-lock.json
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade "pip==26.3"
	$(PYTHON) -m pip install -q -r requirements.txt -c constraints.txt
	$(PYTHON) -m pip install -q --no-deps -e .
	npm ci --prefix deploy --no-audit --no-fund  # configurable-http-proxy for JupyterHub
	npm ci --prefix tests --no-audit --no-fund   # axe-core for the accessibility tests
	touch $@

site: setup  ## build the static site (chapters executed, warnings are errors)
	jupyter-book build . -W -n --keep-going

exercises: setup  ## regenerate exercises/ from solutions/ with nbgrader
	for module in $(MODULES); do nbgrader generate_assignment $$module --force || exit 1; done

demo: setup  ## a demo cohort, autograded, with its completion report (in cohorts/demo, not in git)
	course demo

test: setup  ## the whole test suite (installs chromium, postgresql and bubblewrap if missing)
	bash scripts/system-deps.sh
	$(PYTHON) -m pytest

test-fast: setup  ## unit tests only
	$(PYTHON) -m pytest -m "not slow"

lint: setup  ## ruff and mypy, configured in pyproject.toml
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: setup  ## benchmarks (print figures)
	for script in bench/*.py; do $(PYTHON) $$script || exit 1; done

lock: setup  ## re-pin every transitive dependency into constraints.txt
	(echo "# Every package of the environment, pinned (pip freeze). Regenerate with 'make lock'."; \
	 $(PYTHON) -m pip freeze --exclude-editable) > constraints.txt

clean:
	rm -rf _build .pytest_cache

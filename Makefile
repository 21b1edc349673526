# The two commands: `make run` (install, migrate, deploy the process bundle, seed demo data, serve)
# and `make test`. Both work on a fresh machine; system packages come from apt-get when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
ECO := $(VENV)/bin/ecopetition
STAMP := $(VENV)/.installed-$(shell cat setup.cfg | sha1sum | cut -c1-12)

.PHONY: run test install test-install bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(ECO) db upgrade
	$(ECO) deploy
	@if $(ECO) --help | grep -q '^  demo'; then $(ECO) demo --if-empty; fi
	$(ECO) run

test: install
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check engine workflows webui tests bench

bench: install
	@for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) instance build *.egg-info

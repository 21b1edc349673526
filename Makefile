# The two commands: `make run` (install, migrate, deploy the process bundle, seed demo data, serve)
# and `make test`. Both work on a fresh machine; system packages come from apt-get when missing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
ECO := $(VENV)/bin/ecopetition
STAMP := $(VENV)/.installed-$(shell cat setup.cfg | sha1sum | cut -c1-12)
# Browser tests drive Debian's Chromium; apt-get needs root (sudo when not root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CATALOGS := $(patsubst %.po,%.mo,$(wildcard webui/i18n/translations/*/LC_MESSAGES/messages.po))

VENDOR := webui/static/vendor/bpmn-js
DESIGNER := webui/static/designer
SWAGGER := webui/static/vendor/swagger-ui
ECHARTS := webui/static/vendor/echarts

.PHONY: run test install test-install bench lint clean chromium translations assets system-libs

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PIP) install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP) $(CATALOGS) assets system-libs

# bpmn-js from npm (package.json, package-lock.json), copied to where Flask serves static files: no CDN.
# The designer studio (webui/static/designer/src) is bundled by esbuild from npm into designer/dist.
assets: $(VENDOR)/bpmn-navigated-viewer.production.min.js $(DESIGNER)/dist/studio.js $(SWAGGER)/swagger-ui-bundle.js \
	$(ECHARTS)/echarts.min.js
$(VENDOR)/bpmn-navigated-viewer.production.min.js: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || ($(SUDO) apt-get update && $(SUDO) apt-get install -y nodejs npm)
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)/assets
	cp node_modules/bpmn-js/dist/bpmn-viewer.production.min.js \
	   node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $(VENDOR)/
	cp -r node_modules/bpmn-js/dist/assets/. $(VENDOR)/assets/
	touch $@

# The API's interactive docs (/api/docs): swagger-ui-dist from npm, served by Flask like bpmn-js.
$(SWAGGER)/swagger-ui-bundle.js: $(VENDOR)/bpmn-navigated-viewer.production.min.js
	mkdir -p $(SWAGGER)
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js \
	   node_modules/swagger-ui-dist/swagger-ui.css $(SWAGGER)/

# The KPI dashboard's charts: Apache ECharts from npm, served by Flask like bpmn-js.
$(ECHARTS)/echarts.min.js: $(VENDOR)/bpmn-navigated-viewer.production.min.js
	mkdir -p $(ECHARTS)
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE $(ECHARTS)/

$(DESIGNER)/dist/studio.js: $(VENDOR)/bpmn-navigated-viewer.production.min.js $(wildcard $(DESIGNER)/src/*)
	node_modules/.bin/esbuild $(DESIGNER)/src/studio.js $(DESIGNER)/src/diff.js --bundle --minify --sourcemap \
		--format=iife --target=es2020 --outdir=$(DESIGNER)/dist --loader:.woff=file --loader:.woff2=file \
		--loader:.ttf=file --loader:.eot=file --loader:.svg=file --log-level=warning

# The dossier PDF (WeasyPrint) needs Pango, and CJK fonts so that Chinese text shows.
system-libs:
	@if ! dpkg -s fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 >/dev/null 2>&1; then \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0; fi

# The UI's message catalogs: compiled from the .po files that are kept in git.
webui/i18n/translations/%/LC_MESSAGES/messages.mo: webui/i18n/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile -d webui/i18n/translations -l $*

# After adding or changing user-visible strings: refresh the template and both catalogs, then translate.
translations: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ -k lazy_gettext --no-location --sort-output \
		--omit-header -o webui/i18n/translations/messages.pot .
	$(VENV)/bin/pybabel update -i webui/i18n/translations/messages.pot -d webui/i18n/translations --ignore-obsolete --no-fuzzy-matching

chromium:
	@if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		$(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-noto-cjk; fi

run: install
	$(ECO) db upgrade
	$(ECO) deploy
	@if $(ECO) --help | grep -q '^  demo'; then $(ECO) demo --if-empty; fi
	$(ECO) run

test: install chromium
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check engine workflows webui tests bench

# Every benchmark in bench/ on SQLite and PostgreSQL, one table; BENCH_QUICK=1 for a smoke run.
bench: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) instance build *.egg-info node_modules webui/static/vendor $(DESIGNER)/dist

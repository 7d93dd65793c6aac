# samplan: the two commands a newcomer needs are `make demo` and `make test`.
# Everything they need is installed here, from PyPI, npm and Debian's packages.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
APPS := $(wildcard samplan/*/locale)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install system-packages browser messages translations lint format serve worker clean

demo: install
	DEBUG=true $(MANAGE) migrate --noinput
	DEBUG=true $(MANAGE) demo_data --reset
	@DEBUG=true $(PY) -m samplan.core.run_demo

test: install browser
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest

install: $(VENV)/.installed node_modules/.installed translations

# Debian packages the project needs: gettext compiles translations; Pango and a font let
# WeasyPrint make PDFs (SIP plans, log extracts, the manual); xmlsec1 signs and checks SAML
# messages (pysaml2 runs it); nginx is the proxy the client-certificate tests start with
# deploy/nginx.conf (on a desktop with systemd, Debian also starts its default site on port 80:
# `systemctl disable --now nginx` if that is not wanted; the tests start their own). Without
# recommends: chromium alone pulled in about 120 packages (avahi and cups among them).
DEBIAN_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core xmlsec1 nginx
system-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; fi

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "samplan needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's chromium (a browser download by the test tool does not work).
browser:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends chromium; }

translations: system-packages $(VENV)/.installed
	@$(PY) -m django compilemessages --ignore=.venv --ignore=node_modules -v 0 --settings=samplan.test_settings

# After changing UI text: refresh the Swedish catalogues, then translate what is new.
messages: install
	@for dir in $(APPS); do (cd $$(dirname $$dir) && ../../$(VENV)/bin/django-admin makemessages -l sv --no-location -v 0 --settings=samplan.test_settings --pythonpath=../..) || exit 1; done
	$(MAKE) translations

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles samplan.sqlite3*

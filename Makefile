# «Окей, школа» — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= var/demo
DEMO_PASSWORD ?= okey-demo-2026
PORT ?= 8080

# Debian packages: weasyprint's libraries and Cyrillic fonts, Chromium for the browser
# tests, poppler for reading PDFs, dnsmasq/nftables/iproute2/udhcpc for the Wi-Fi segment tests,
# PostgreSQL for the district hub tests, debootstrap for the Ansible converge test, systemd-nspawn
# (systemd-container) and mkfs.ext4 for the booted converge and the disaster drill, zbar-tools
# for scanning the printed cards' QR codes.
DEBIAN_PACKAGES := python3-venv python3-dev build-essential \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libffi-dev \
	fonts-dejavu-core fonts-dejavu-extra fonts-liberation2 \
	chromium poppler-utils dnsmasq-base nftables iproute2 iputils-ping curl \
	postgresql debootstrap hostapd udhcpc zbar-tools systemd-container e2fsprogs

.PHONY: run test bench lint clean install system-deps translations messages converge drill

system-deps: .stamps/system-deps
.stamps/system-deps: Makefile
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "Нужны пакеты Debian (запустите от root): $$missing"; exit 1; fi; \
		echo "Устанавливаю пакеты Debian: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@mkdir -p .stamps && touch $@

$(BIN)/okey: setup.cfg pyproject.toml | .stamps/system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: system-deps $(BIN)/okey translations

translations: $(BIN)/okey
	$(BIN)/pybabel compile -d webui/translations -D messages

run: install
	@if [ ! -f $(DEMO_DIR)/okey.db ]; then \
		$(BIN)/okey init --data $(DEMO_DIR) --demo --demo-password $(DEMO_PASSWORD); fi
	@echo
	@echo "«Окей, школа»: http://localhost:$(PORT)/"
	@echo "Вход: admin, teacher1, student1, parent1, mentor1 или alumnus1 — пароль $(DEMO_PASSWORD)"
	@echo
	$(BIN)/okey serve --data $(DEMO_DIR) --port $(PORT)

BANDIT := $(BIN)/bandit -q -c pyproject.toml -r appliance webui captive_portal sync backup

test: install
	$(BIN)/ruff check .
	$(BANDIT)
	$(BIN)/pytest

# The appliance's life in a Debian 12 system that really boots (systemd-nspawn, as root): the playbook's
# install run, the booted run, hardening exposure, reboot, second run, upgrade in place, a failed
# migration, and the disaster drill on a second booted system. Prints its figures.
converge: install
	$(BIN)/pytest tests/system/test_booted_appliance.py -q -s -p no:cacheprovider

# The disaster drill alone (it needs the first school server, so that converge runs too).
drill: install
	$(BIN)/pytest tests/system/test_booted_appliance.py -q -s -p no:cacheprovider -k "hardened or drill"

# The load generators are needed by the benchmarks only: locust (Python) and hey (Debian's package).
.stamps/bench-deps: setup.cfg | $(BIN)/okey
	@dpkg-query -W -f='$${Status}\n' hey 2>/dev/null | grep -q '^install ok installed' || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends hey; }
	$(BIN)/pip install -q -e '.[test,bench]'
	@mkdir -p .stamps && touch $@

bench: install .stamps/bench-deps
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .
	$(BANDIT)

clean:
	rm -rf $(VENV) .stamps build *.egg-info var tests/artifacts .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +

# Re-extract the translatable strings (the Russian source text) and update the catalogues:
# English translates every message; Russian supplies the three plural forms the source text lacks.
messages: $(BIN)/okey
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext --no-location --sort-output \
		-o webui/translations/messages.pot .
	for lang in ru en; do $(BIN)/pybabel update -i webui/translations/messages.pot -d webui/translations -l $$lang --no-fuzzy-matching; done

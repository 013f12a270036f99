# `make demo` sets up and runs the product with its demo case; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ADDR ?= 127.0.0.1:8000

.PHONY: setup system-packages demo test lint format run worker migrate screenshots

setup: system-packages $(INSTALLED)

system-packages:
	@scripts/install-system-packages.sh

$(INSTALLED): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or later is needed: make demo PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(INSTALLED)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo
	@echo "Open http://$(ADDR)/ and log in with one of the demo logins above."
	$(BIN)/python manage.py runserver $(ADDR)

test: setup
	$(BIN)/pytest

# The README's pictures: the browser tests save them (with a real worker, so processing is seen
# in progress), they are reduced to 256 colours, and only then replace the old ones.
screenshots: setup
	@test -n "$$REDIS_URL" || { echo "make screenshots needs REDIS_URL (a real worker shows processing in progress)"; exit 1; }
	rm -rf var/screenshots && mkdir -p var/screenshots
	BROWSER_SCREENSHOTS=var/screenshots $(BIN)/pytest tests/browser -p no:logging -q
	$(BIN)/python -c "import sys; from PIL import Image; [Image.open(p).convert('RGB').quantize(256).save(p, optimize=True) for p in sys.argv[1:]]" var/screenshots/*.png
	rm -rf docs/screenshots && mv var/screenshots docs/screenshots

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

run: migrate
	$(BIN)/python manage.py runserver $(ADDR)

# One worker for both queues, with the beat that finds lost work (run the beat in one worker only).
worker: migrate
	mkdir -p var
	$(BIN)/celery -A config worker -Q default,heavy --beat --schedule var/celerybeat-schedule --loglevel INFO

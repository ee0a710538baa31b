# Quick start: `make run` (the main job on the shipped default) and `make test`.
# Both create .venv and install everything on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3

.PHONY: run test bench clean-venv

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# A CPU build of torch first, so nothing below pulls a multi-GB CUDA build.
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install -q "torch==2.13.0" || $(PY) -m pip install -q "torch>=2.1"
	$(PY) -m pip install -q -e ".[test]"
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/surrogate demo

test: $(VENV)/.installed
	$(VENV)/bin/ruff check surrogate tests bench scripts
	$(VENV)/bin/ruff format --check surrogate tests bench scripts
	$(PY) -m pytest -q -n 2

bench: $(VENV)/.installed
	$(PY) bench/encode.py
	$(PY) bench/predict.py

clean-venv:
	rm -rf $(VENV)

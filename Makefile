# Two commands for a fresh clone: `make demo` and `make test`.
# Each creates (or refreshes) the virtual environment .venv when none is active,
# installs the project into it, then does its job. Inside an active environment
# (conda or venv) the project is installed there instead.

VENV ?= .venv
ENV_DIR := $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),$(if $(CONDA_PREFIX),$(CONDA_PREFIX),$(VENV)))
PYTHON := $(if $(VIRTUAL_ENV)$(CONDA_PREFIX),python,$(VENV)/bin/python)
STAMP := $(ENV_DIR)/.gae-helpers-installed
# Headless runs keep no training progress bar in the saved notebook (papermill shows cells).
PAPERMILL := TQDM_DISABLE=1 $(PYTHON) -m papermill --cwd notebooks --log-level WARNING
RUNS ?= runs
# Seeds of `make seeds` and `make results`: ranges and lists (SEEDS=0-9, SEEDS='0 1 5'); seed 0 is
# the default run (runs/mnist, runs/fashion-mnist), the others runs/seeds/<dataset>-<seed>.
SEEDS ?= 0-2
# Batches of notebook runs (make results, make seeds) are tasks on Dask (scripts/batch_runs.py):
# a LocalCluster on 127.0.0.1 by default, BATCH_ARGS='--scheduler tcp://HOST:8786' (or
# DASK_SCHEDULER_ADDRESS) for a running cluster, BATCH_ARGS='--workers 1' to change its size
# (default: one worker per core).
BATCH := $(PYTHON) scripts/batch_runs.py
BATCH_ARGS ?=

# The notebooks' kernels run in notebooks/: relative paths given from here must not break.
ifdef GAE_DATA_DIR
export GAE_DATA_DIR := $(abspath $(GAE_DATA_DIR))
endif
ifdef GAE_CACHE_DIR
export GAE_CACHE_DIR := $(abspath $(GAE_CACHE_DIR))
endif

WALKTHROUGH := notebooks/walkthrough.ipynb
KERNEL_CONFIG := $(ENV_DIR)/etc/ipython/ipython_kernel_config.py

.PHONY: results install test test-floors test-float32 test-other-cpus test-browser demo reproduce seeds \
        bench models notebooks sync references clean

install: $(STAMP)

$(STAMP): pyproject.toml jupyter/ipython_kernel_config.py
	@if [ ! -x "$(PYTHON)" ] && [ -z "$(VIRTUAL_ENV)$(CONDA_PREFIX)" ]; then \
	    echo "Creating the virtual environment $(VENV)"; python3 -m venv $(VENV); fi
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	@mkdir -p $(dir $(KERNEL_CONFIG)) && cp jupyter/ipython_kernel_config.py $(KERNEL_CONFIG)
	$(PYTHON) -c "import gae_helpers, torchvision; print('environment ready:', torchvision.__version__)"
	@touch $@

# Unit tests and doctests, papermill runs of every notebook, nbval checks of the references.
test: $(STAMP)
	$(PYTHON) -m pytest

# The same suite on the oldest versions pyproject.toml allows: a throwaway environment
# $(FLOORS_VENV), rebuilt every time, where pip installs the project with every direct
# dependency pinned to its floor (scripts/floor_constraints.py writes the constraints; the same
# choice as uv's --resolution lowest-direct). Python 3.11, the oldest supported: numpy 1.26 has
# no wheels for newer ones. Independent of .venv and of any active environment. PYTEST_ARGS
# goes to pytest (e.g. PYTEST_ARGS='tests/test_rejection.py -p no:nbval -o addopts=').
FLOORS_VENV ?= .venv-floors
FLOORS_PYTHON ?= python3.11
KEY_PACKAGES := torch torchvision scikit-learn numpy pandas matplotlib scipy
test-floors:
	rm -rf $(FLOORS_VENV)
	$(FLOORS_PYTHON) -m venv $(FLOORS_VENV)
	$(FLOORS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FLOORS_VENV)/bin/python scripts/floor_constraints.py > $(FLOORS_VENV)/floors.txt
	$(FLOORS_VENV)/bin/python -m pip install --quiet -c $(FLOORS_VENV)/floors.txt -e '.[dev]'
	@mkdir -p $(FLOORS_VENV)/etc/ipython && cp jupyter/ipython_kernel_config.py $(FLOORS_VENV)/etc/ipython/
	@$(FLOORS_VENV)/bin/python -c "import sys, platform; from importlib.metadata import version; \
	    print('floors: Python', platform.python_version() + ',', ', '.join( \
	    p + ' ' + version(p) for p in sys.argv[1:]))" $(KEY_PACKAGES)
	$(FLOORS_VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The same with float32 everywhere, notebook kernels included: the path of CPUs without
# native bfloat16 (most laptops), taken on any machine.
test-float32: $(STAMP)
	GAE_PRECISION=float32 $(PYTHON) -m pytest

# The whole suite on the kernels of older CPUs, whatever this one has: torch's and oneDNN's
# generic (SSE4.1) kernels, then AVX2 ones (most laptops), both in float32. The references
# must read the same digits on every path.
test-other-cpus: $(STAMP)
	GAE_PRECISION=float32 ATEN_CPU_CAPABILITY=default ONEDNN_MAX_CPU_ISA=SSE41 $(PYTHON) -m pytest
	GAE_PRECISION=float32 ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 $(PYTHON) -m pytest

# JupyterLab in headless Chromium (Debian's chromium; installed with apt-get when missing).
test-browser: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)
	GAE_BROWSER_TESTS=1 $(PYTHON) -m pytest tests/browser -p no:nbval -o addopts="-ra"

demo: $(STAMP)
	@mkdir -p $(RUNS)/demo
	$(PAPERMILL) $(WALKTHROUGH) $(RUNS)/demo/walkthrough_on_digits.ipynb \
	    -p dataset digits -p n_components 3 -p output_dir $(abspath $(RUNS))/demo
	@echo "Executed notebook: $(RUNS)/demo/walkthrough_on_digits.ipynb"
	@echo "Figures (PNG):     $(RUNS)/demo/*.png"
	@echo "Metrics:           $(RUNS)/demo/metrics.json"

# Every walkthrough with its default parameters on the full data, into runs/.
reproduce: $(STAMP)
	@mkdir -p $(RUNS)/mnist $(RUNS)/fashion-mnist $(RUNS)/gae-vs-vae-mnist $(RUNS)/gae-vs-vae-fashion-mnist
	$(PAPERMILL) $(WALKTHROUGH) $(RUNS)/mnist/01_mnist.ipynb -p dataset mnist \
	    -p output_dir ../$(RUNS)/mnist
	$(PAPERMILL) $(WALKTHROUGH) $(RUNS)/fashion-mnist/02_fashion_mnist.ipynb -p dataset fashion-mnist \
	    -p output_dir ../$(RUNS)/fashion-mnist
	$(PAPERMILL) notebooks/03_gae_vs_vae.ipynb $(RUNS)/gae-vs-vae-mnist/03_gae_vs_vae.ipynb
	$(PAPERMILL) notebooks/03_gae_vs_vae.ipynb $(RUNS)/gae-vs-vae-fashion-mnist/03_gae_vs_vae.ipynb \
	    -p dataset fashion-mnist -p output_dir ../$(RUNS)/gae-vs-vae-fashion-mnist
	@echo "Executed notebooks, figures and metrics.json: $(RUNS)/*/"

# Every result the README quotes, into runs/ and then results/ (each run's metrics.json with
# its command), and the README's generated blocks from them: one batch of notebook runs (the
# default runs, the comparison on both datasets, the seeds, the shipped-model runs with an empty
# model cache, both walkthroughs on the float32 path, the accurate preset; a rerun skips the
# finished ones), then make bench's figures without its walkthrough section (about an hour on a
# 2-core CPU). The README quotes their seconds, so one run at a time (--workers 1), on an
# otherwise idle machine.
results: $(STAMP)
	$(BATCH) results --seeds "$(SEEDS)" --runs $(RUNS) --workers 1 $(BATCH_ARGS)
	$(PYTHON) scripts/benchmark.py --skip-notebooks | tee $(RUNS)/bench.txt
	$(PYTHON) scripts/summarise_runs.py collect $(RUNS)
	$(PYTHON) scripts/summarise_runs.py readme

# The headline accuracies over several seeds (mean and standard deviation), for the README:
# `make seeds SEEDS=0-4` runs the five (finished ones skipped), collects runs/ into results/
# and rewrites the README's blocks (its seed rows are over the seeds in results/).
seeds: $(STAMP)
	$(BATCH) seeds "$(SEEDS)" --runs $(RUNS) $(BATCH_ARGS)
	$(PYTHON) scripts/summarise_runs.py collect $(RUNS)
	$(PYTHON) scripts/summarise_runs.py readme

# The committed models in models/: the judges (the instruments every run is scored with), then
# the default autoencoders and the comparison's pair; each recorded in models/manifest.json.
models: $(STAMP)
	$(PYTHON) scripts/ship_models.py --runs $(RUNS)/models

bench: $(STAMP)
	$(PYTHON) scripts/benchmark.py

# Bring each notebook source and its paired percent-format script in step (the newer one wins).
SOURCES := $(WALKTHROUGH) notebooks/03_gae_vs_vae.ipynb
sync: $(STAMP)
	$(PYTHON) -m jupytext --sync $(SOURCES)

# After editing a notebook source: the committed runs readers open (01_mnist, 02_fashion_mnist:
# full default runs of the walkthrough; 03 carries its MNIST run) and the references.
notebooks: sync reproduce references
	cp $(RUNS)/mnist/01_mnist.ipynb notebooks/01_mnist.ipynb
	cp $(RUNS)/fashion-mnist/02_fashion_mnist.ipynb notebooks/02_fashion_mnist.ipynb
	cp $(RUNS)/gae-vs-vae-mnist/03_gae_vs_vae.ipynb notebooks/03_gae_vs_vae.ipynb
	$(PYTHON) scripts/executed_notebooks.py clean --unpair notebooks/01_mnist.ipynb \
	    notebooks/02_fashion_mnist.ipynb
	$(PYTHON) scripts/executed_notebooks.py clean --source notebooks/03_gae_vs_vae.ipynb
	$(PYTHON) -m jupytext --sync $(SOURCES)

# Regenerate the small reference notebooks that nbval re-executes in `make test`
# (`python tests/references.py --retrain` also retrains their committed models).
references: $(STAMP)
	$(PYTHON) tests/references.py

clean:
	rm -rf $(RUNS) .pytest_cache

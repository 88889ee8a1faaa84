# Two commands for a fresh clone: `make demo` and `make test`.
# Each creates (or refreshes) the virtual environment .venv when none is active,
# installs the project into it, then does its job. Inside an active environment
# (conda or venv) the project is installed there instead.

VENV ?= .venv
ENV_DIR := $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),$(if $(CONDA_PREFIX),$(CONDA_PREFIX),$(VENV)))
PYTHON := $(if $(VIRTUAL_ENV)$(CONDA_PREFIX),python,$(VENV)/bin/python)
BIN := $(dir $(PYTHON))
STAMP := $(ENV_DIR)/.gae-helpers-installed
# Headless runs keep no training progress bar in the saved notebook (papermill shows cells).
PAPERMILL := TQDM_DISABLE=1 $(PYTHON) -m papermill --cwd notebooks --log-level WARNING
RUNS ?= runs
SEEDS ?= 0 1 2

# The notebooks' kernels run in notebooks/: relative paths given from here must not break.
ifdef GAE_DATA_DIR
export GAE_DATA_DIR := $(abspath $(GAE_DATA_DIR))
endif
ifdef GAE_CACHE_DIR
export GAE_CACHE_DIR := $(abspath $(GAE_CACHE_DIR))
endif

.PHONY: install test test-float32 test-browser demo reproduce seeds bench notebooks sync \
        references clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x "$(PYTHON)" ] && [ -z "$(VIRTUAL_ENV)$(CONDA_PREFIX)" ]; then \
	    echo "Creating the virtual environment $(VENV)"; python3 -m venv $(VENV); fi
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	$(PYTHON) -c "import gae_helpers, torchvision; print('environment ready:', torchvision.__version__)"
	@touch $@

# Unit tests and doctests, papermill runs of every notebook, nbval checks of the references.
test: $(STAMP)
	$(PYTHON) -m pytest

# The same with float32 everywhere, notebook kernels included: the path of CPUs without
# native bfloat16 (most laptops), taken on any machine.
test-float32: $(STAMP)
	GAE_PRECISION=float32 $(PYTHON) -m pytest

# JupyterLab in headless Chromium (Debian's chromium; installed with apt-get when missing).
test-browser: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)
	GAE_BROWSER_TESTS=1 $(PYTHON) -m pytest tests/browser -p no:nbval -o addopts="-ra"

demo: $(STAMP)
	@mkdir -p $(RUNS)/demo
	$(PAPERMILL) notebooks/01_mnist.ipynb $(RUNS)/demo/01_mnist_on_digits.ipynb \
	    -p dataset digits -p latent_dim 8 -p n_components 3 -p post_n_components 6 \
	    -p other_dataset None -p output_dir $(abspath $(RUNS))/demo
	@echo "Executed notebook: $(RUNS)/demo/01_mnist_on_digits.ipynb"
	@echo "Figures (PNG):     $(RUNS)/demo/*.png"
	@echo "Metrics:           $(RUNS)/demo/metrics.json"

# Every walkthrough with its default parameters on the full data, into runs/.
reproduce: $(STAMP)
	@mkdir -p $(RUNS)/mnist $(RUNS)/fashion-mnist $(RUNS)/gae-vs-vae-mnist $(RUNS)/gae-vs-vae-fashion-mnist
	$(PAPERMILL) notebooks/01_mnist.ipynb $(RUNS)/mnist/01_mnist.ipynb
	$(PAPERMILL) notebooks/02_fashion_mnist.ipynb $(RUNS)/fashion-mnist/02_fashion_mnist.ipynb
	$(PAPERMILL) notebooks/03_gae_vs_vae.ipynb $(RUNS)/gae-vs-vae-mnist/03_gae_vs_vae.ipynb
	$(PAPERMILL) notebooks/03_gae_vs_vae.ipynb $(RUNS)/gae-vs-vae-fashion-mnist/03_gae_vs_vae.ipynb \
	    -p dataset fashion-mnist -p output_dir ../$(RUNS)/gae-vs-vae-fashion-mnist
	$(PYTHON) scripts/summarise_runs.py $(RUNS)
	@echo "Executed notebooks, figures and metrics.json: $(RUNS)/*/"

# The headline accuracies over several seeds (mean and standard deviation), for the README.
seeds: $(STAMP)
	@for seed in $(SEEDS); do \
	    mkdir -p $(RUNS)/seeds/mnist-$$seed $(RUNS)/seeds/fashion-mnist-$$seed; \
	    $(PAPERMILL) notebooks/01_mnist.ipynb $(RUNS)/seeds/mnist-$$seed/01_mnist.ipynb -p seed $$seed \
	        -p output_dir ../$(RUNS)/seeds/mnist-$$seed || exit 1; \
	    $(PAPERMILL) notebooks/02_fashion_mnist.ipynb $(RUNS)/seeds/fashion-mnist-$$seed/02_fashion_mnist.ipynb \
	        -p seed $$seed -p output_dir ../$(RUNS)/seeds/fashion-mnist-$$seed || exit 1; \
	done
	$(PYTHON) scripts/summarise_runs.py --seeds $(RUNS)/seeds

bench: $(STAMP)
	$(PYTHON) scripts/benchmark.py

# Bring each notebook and its paired percent-format script in step (the newer one wins).
sync: $(STAMP)
	$(BIN)jupytext --sync notebooks/*.ipynb

# After editing a notebook: refresh the committed outputs (full default runs) and the references.
notebooks: sync reproduce references
	cp $(RUNS)/mnist/01_mnist.ipynb notebooks/01_mnist.ipynb
	cp $(RUNS)/fashion-mnist/02_fashion_mnist.ipynb notebooks/02_fashion_mnist.ipynb
	cp $(RUNS)/gae-vs-vae-mnist/03_gae_vs_vae.ipynb notebooks/03_gae_vs_vae.ipynb
	$(PYTHON) -c "import sys; from gae_helpers.report import clean_executed_notebook as clean; \
	    [clean(p) for p in sys.argv[1:]]" notebooks/*.ipynb
	$(BIN)jupytext --sync notebooks/*.ipynb

# Regenerate the small reference notebooks that nbval re-executes in `make test`
# (`python tests/references.py --retrain` also retrains their committed models).
references: $(STAMP)
	$(PYTHON) tests/references.py

clean:
	rm -rf $(RUNS) .pytest_cache

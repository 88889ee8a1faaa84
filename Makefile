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

# The notebooks' kernels run in notebooks/: relative paths given from here must not break.
ifdef GAE_DATA_DIR
export GAE_DATA_DIR := $(abspath $(GAE_DATA_DIR))
endif
ifdef GAE_CACHE_DIR
export GAE_CACHE_DIR := $(abspath $(GAE_CACHE_DIR))
endif

.PHONY: install test demo reproduce bench notebooks references clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@if [ ! -x "$(PYTHON)" ] && [ -z "$(VIRTUAL_ENV)$(CONDA_PREFIX)" ]; then \
	    echo "Creating the virtual environment $(VENV)"; python3 -m venv $(VENV); fi
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	$(PYTHON) -c "import gae_helpers, torchvision; print('environment ready:', torchvision.__version__)"
	@touch $@

test: $(STAMP)
	$(PYTHON) -m pytest

demo: $(STAMP)
	@mkdir -p $(RUNS)/demo
	$(PAPERMILL) notebooks/01_mnist.ipynb $(RUNS)/demo/01_mnist_on_digits.ipynb \
	    -p dataset digits -p latent_dim 8 -p n_components 3 -p post_n_components 6 \
	    -p other_dataset None -p output_dir $(abspath $(RUNS))/demo
	@echo "Executed notebook: $(RUNS)/demo/01_mnist_on_digits.ipynb"
	@echo "Figures (PNG):     $(RUNS)/demo/*.png"
	@echo "Metrics:           $(RUNS)/demo/metrics.json"

reproduce: $(STAMP)
	@mkdir -p $(RUNS)/mnist $(RUNS)/fashion-mnist
	$(PAPERMILL) notebooks/01_mnist.ipynb $(RUNS)/mnist/01_mnist.ipynb
	$(PAPERMILL) notebooks/02_fashion_mnist.ipynb $(RUNS)/fashion-mnist/02_fashion_mnist.ipynb
	@echo "Executed notebooks, figures and metrics.json: $(RUNS)/mnist/ and $(RUNS)/fashion-mnist/"

bench: $(STAMP)
	$(PYTHON) scripts/benchmark.py

# Rebuild notebooks/ from scripts/build_notebooks.py, run both on the full data and keep
# their outputs in notebooks/ (what readers see without running anything).
notebooks: $(STAMP)
	$(PYTHON) scripts/build_notebooks.py
	$(MAKE) reproduce
	cp $(RUNS)/mnist/01_mnist.ipynb notebooks/01_mnist.ipynb
	cp $(RUNS)/fashion-mnist/02_fashion_mnist.ipynb notebooks/02_fashion_mnist.ipynb

# Regenerate the small reference notebooks that nbval re-executes in `make test`.
references: $(STAMP)
	$(PYTHON) scripts/make_references.py

clean:
	rm -rf $(RUNS) .pytest_cache

# digest: the two commands a new user needs are `make episode` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SHARED ?= ../shared

.PHONY: episode test test-fast test-install lint format bench bench-summary bench-wer bench-neural clean distclean

$(STAMP): pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "digest needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# Compiled once here: each speech worker imports digest afresh.
	$(BIN)/python -m compileall -q digest
	@touch $(STAMP)

## Build output/episode.mp3 from the bundled example reviews.
episode: $(STAMP)
	$(BIN)/digest build examples -o output/episode.mp3

## Run the whole test suite (unit + real-engine integration tests; not test-install).
test: $(STAMP)
	$(BIN)/python -m pytest -m "not install" -n 2

## Only the fast unit tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not integration and not install"

## Build the wheel, install it into a fresh virtualenv and build an episode from an
## empty folder with it (about a minute; needs the network or pip's cache).
test-install: $(STAMP)
	$(BIN)/python -m pytest -m install

## Score the summarizer beside lead-k and sumy on $(SHARED)/summ-dev (writes BENCHMARKS.md).
bench-summary: $(VENV)/.bench-stamp
	NLTK_DATA="$${NLTK_DATA:-$(SHARED)/nltk_data}" $(BIN)/python bench/summary.py \
		--data $(SHARED)/summ-dev --write BENCHMARKS.md

## Time cold, warm and one-edit builds beside plain espeak-ng + ffmpeg, then N = 10-500 (writes BENCHMARKS.md).
## BENCH_ARGS="--quick" to try it out; the plain row needs the espeak-ng CLI (apt install espeak-ng).
bench: $(STAMP)
	$(BIN)/python bench/episode.py --write BENCHMARKS.md $(BENCH_ARGS)

## Word error rate per voice setting by an offline listener (Whisper tiny.en), with
## squash and loudness, beside plain espeak-ng (writes BENCHMARKS.md; WER_ARGS="--quick").
bench-wer: $(VENV)/.bench-stamp
	$(BIN)/python bench/wer.py --write BENCHMARKS.md $(WER_ARGS)

## Two cold --voices neural builds of N = 50: speed, peak memory, same bytes (writes BENCHMARKS.md).
bench-neural: $(VENV)/.bench-stamp
	$(BIN)/python bench/neural.py --write BENCHMARKS.md $(NEURAL_ARGS)

$(VENV)/.bench-stamp: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench,neural]'
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check digest tests bench
	$(BIN)/ruff format --check digest tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format digest tests
	$(BIN)/ruff check --fix digest tests

clean:
	rm -rf output .pytest_cache .mypy_cache .ruff_cache

distclean: clean
	rm -rf $(VENV) *.egg-info build dist

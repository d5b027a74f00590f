# Random Vertex Colors: `make demo` and `make test` set up what they need.
# Virtual environments live outside the clone (CACHE) so that clones share them;
# each is rebuilt when its requirements file changes.

PYTHON ?= python3.11
CACHE ?= $(HOME)/.cache/random-vertex-colors
BLENDER ?= blender
OUT ?= out

DEV := $(CACHE)/dev
BPY50 := $(CACHE)/bpy-5.0
BPY42 := $(CACHE)/bpy-4.2

# STRICT=1 (CI): every Blender must run; otherwise missing ones are skipped with the reason.
STRICT ?=
REQUIRE_ALL := $(if $(STRICT),--require-all,)

.PHONY: all setup test test-core test-blender demo lint clean

all: test

$(CACHE)/%/.ready: requirements/%.txt requirements/test.txt
	rm -rf $(CACHE)/$*
	$(PYTHON) -m venv $(CACHE)/$*
	$(CACHE)/$*/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	touch $@

setup: $(DEV)/.ready $(BPY50)/.ready $(BPY42)/.ready

test: test-core test-blender

test-core: $(DEV)/.ready
	$(DEV)/bin/python -m pytest tests/core

test-blender: $(DEV)/.ready $(BPY50)/.ready $(BPY42)/.ready
	$(DEV)/bin/python tests/run_blender.py $(REQUIRE_ALL) \
		--bpy $(BPY50)/bin/python --bpy $(BPY42)/bin/python --blender $(BLENDER)

demo: $(BPY50)/.ready
	HOME=$$(mktemp -d) $(BPY50)/bin/python demo/demo.py --output $(OUT)

lint: $(DEV)/.ready
	$(DEV)/bin/python -m ruff check .

clean:
	rm -rf $(OUT) dist .pytest_cache

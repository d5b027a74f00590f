# Random Vertex Colors: `make demo` and `make test` set up what they need.
# Virtual environments live outside the clone (see tools/ensure-venv) so that clones share them.

# Each venv's Python is the one its requirements file names ("# python: 3.13"; 3.11 when none):
# the bpy 4.2 and 5.0 wheels are for Python 3.11, 5.2 and 5.3 for Python 3.13. A pyenv shim that
# is not the active version is passed over for pyenv's own 3.13.x (see tools/ensure-venv).
export PYTHON ?= python3.11
export PYTHON313 ?= python3.13
export CACHE ?= $(HOME)/.cache/random-vertex-colors
BLENDER ?= blender
OUT ?= out

VENV = $$(tools/ensure-venv $(1))/bin/python
# The Blender that make demo, make package and make readme-images use: the newest one.
NEWEST = bpy-5.3
# Every Blender the suite runs in, newest first (the first also lends its extension tool).
BPY_VENVS = bpy-5.3 bpy-5.2 bpy-5.0 bpy-4.2
# make bench measures in each of these, one table each.
BENCH_VENVS = bpy-5.3 bpy-5.0

# STRICT=1 (CI): every Blender must run; otherwise missing ones are skipped with the reason.
STRICT ?=
REQUIRE_ALL := $(if $(STRICT),--require-all,)

.PHONY: all setup test test-core test-blender demo readme-images screenshots package bench lint clean

all: test

setup:
	tools/ensure-venv dev $(foreach v,$(BPY_VENVS),&& tools/ensure-venv $(v))

test: test-core test-blender

test-core:
	$(call VENV,dev) -m pytest tests/core

# A bpy venv that cannot be made (say, no Python 3.13) or a missing Blender is skipped with the reason.
test-blender:
	dev=$(call VENV,dev) && \
	$$dev tests/run_blender.py $(REQUIRE_ALL) $(foreach v,$(BPY_VENVS),--venv $(v)) --blender $(BLENDER)

demo:
	python=$(call VENV,$(NEWEST)) && HOME=$$(mktemp -d) $$python demo/demo.py --output $(OUT)

# The README's pictures: the demo at 640 pixels wide, PNGs only.
readme-images:
	python=$(call VENV,$(NEWEST)) && tmp=$$(mktemp -d) && \
	HOME=$$tmp $$python demo/demo.py --output $$tmp/out --width 640 && cp $$tmp/out/*.png docs/images/

# The redo panel in Debian's Blender 3.4 under Xvfb, driven by xdotool: docs/images/redo-*.png.
# Needs a machine with blender, xvfb and xdotool (apt); not part of make test or CI.
screenshots:
	$(PYTHON) tools/screenshots.py --blender $(BLENDER) --output docs/images

# dist/random_vertex_colors-<version>.zip (Blender 4.2+, built and validated with Blender's own
# extension tool from the newest bpy wheel) and ...-legacy.zip (Blender 3.4 to 4.1). See tools/package.py.
package:
	rm -f dist/random_vertex_colors-*.zip
	venv=$$(tools/ensure-venv $(NEWEST)) && $$venv/bin/python tools/package.py --bpy-venv $$venv --output-dir dist

# ruff, then mypy against fake-bpy-module (configured in pyproject.toml).
lint:
	dev=$(call VENV,dev) && $$dev -m ruff check . && $$dev -m mypy

# Measures in each of BENCH_VENVS in turn (docs/performance-<version>.json), then one table per
# Blender and the plot with the dev venv's matplotlib; DISTINCT's distinctness against glasbey and
# distinctipy (docs/distinctness.json, a few minutes, dev venv). BENCH_QUICK=1: fewer, smaller meshes
# (about 40 s per Blender instead of a few minutes) and fewer n for distinctness.
bench:
	dev=$(call VENV,dev) && results= && \
	for v in $(BENCH_VENVS); do \
	  python=$(call VENV,$$v) && out=docs/performance-$${v#bpy-}.json && \
	  HOME=$$(mktemp -d) $$python benchmarks/run.py --output $$out && results="$$results $$out" || exit 1; \
	done && \
	$$dev benchmarks/distinctness.py && \
	$$dev benchmarks/report.py $$results
	HOME=$$(mktemp -d) $(call VENV,$(NEWEST)) benchmarks/batch.py --output docs/batch.md

clean:
	rm -rf $(OUT) dist .pytest_cache

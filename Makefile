# Random Vertex Colors: `make demo` and `make test` set up what they need.
# Virtual environments live outside the clone (see tools/ensure-venv) so that clones share them.

export PYTHON ?= python3.11
export CACHE ?= $(HOME)/.cache/random-vertex-colors
BLENDER ?= blender
OUT ?= out

VENV = $$(tools/ensure-venv $(1))/bin/python

# STRICT=1 (CI): every Blender must run; otherwise missing ones are skipped with the reason.
STRICT ?=
REQUIRE_ALL := $(if $(STRICT),--require-all,)

.PHONY: all setup test test-core test-blender demo readme-images screenshots package bench lint clean

all: test

setup:
	tools/ensure-venv dev && tools/ensure-venv bpy-5.0 && tools/ensure-venv bpy-4.2

test: test-core test-blender

test-core:
	$(call VENV,dev) -m pytest tests/core

test-blender:
	dev=$(call VENV,dev) && bpy50=$(call VENV,bpy-5.0) && bpy42=$(call VENV,bpy-4.2) && \
	$$dev tests/run_blender.py $(REQUIRE_ALL) --bpy $$bpy50 --bpy $$bpy42 --blender $(BLENDER)

demo:
	python=$(call VENV,bpy-5.0) && HOME=$$(mktemp -d) $$python demo/demo.py --output $(OUT)

# The README's pictures: the demo at 640 pixels wide, PNGs only.
readme-images:
	python=$(call VENV,bpy-5.0) && tmp=$$(mktemp -d) && \
	HOME=$$tmp $$python demo/demo.py --output $$tmp/out --width 640 && cp $$tmp/out/*.png docs/images/

# The redo panel in Debian's Blender 3.4 under Xvfb, driven by xdotool: docs/images/redo-*.png.
# Needs a machine with blender, xvfb and xdotool (apt); not part of make test or CI.
screenshots:
	$(PYTHON) tools/screenshots.py --blender $(BLENDER) --output docs/images

# dist/random_vertex_colors-<version>.zip (Blender 4.2+, built and validated with Blender's own
# extension tool from the bpy 5.0 wheel) and ...-legacy.zip (Blender 3.4 to 4.1). See tools/package.py.
package:
	rm -f dist/random_vertex_colors-*.zip
	bpy50=$$(tools/ensure-venv bpy-5.0) && $(PYTHON) tools/package.py --bpy-venv $$bpy50 --output-dir dist

# ruff, then mypy against fake-bpy-module (configured in pyproject.toml).
lint:
	dev=$(call VENV,dev) && $$dev -m ruff check . && $$dev -m mypy

# Measures in the bpy 5.0 module (JSON), then tables and plot with the dev venv's matplotlib.
# BENCH_QUICK=1: fewer, smaller meshes (about 40 s instead of a few minutes).
bench:
	python=$(call VENV,bpy-5.0) && dev=$(call VENV,dev) && \
	HOME=$$(mktemp -d) $$python benchmarks/run.py --output docs/performance.json && \
	$$dev benchmarks/report.py docs/performance.json
	HOME=$$(mktemp -d) $(call VENV,bpy-5.0) benchmarks/batch.py --output docs/batch.md

clean:
	rm -rf $(OUT) dist .pytest_cache

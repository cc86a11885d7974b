# The front door. Every target first installs what it needs (scripts/install-deps
# reads deps/*.txt, factor II), then does its job through the CMake presets.
#   make run                  build and serve on $PORT (default 5000)
#   make test                 the full suite (scripts/test), what CI runs
#   make release              the immutable build artifact in dist/ (factor V)
#   make fuzz                 every fuzz target for FUZZ_SECONDS (default 60) each
#   make image                the OCI images of deploy/ (docs/operations.md)
#   make deb                  the Debian package dist/welcome_<version>_<arch>.deb
#   make deploy-test          images, compose, .deb, Kubernetes, Swarm (tests/deploy)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# Compile jobs: one per core, but at most one per 2 GiB of memory (a Beast
# translation unit takes over 1 GiB to compile).
JOBS ?= $(shell n=$$(nproc); m=$$(awk '/^MemTotal:/ { print int($$2 / 2097152) }' \
          /proc/meminfo); echo $$(( m < 1 ? 1 : (m < n ? m : n) )))
export CMAKE_BUILD_PARALLEL_LEVEL := $(JOBS)

# `make run`'s environment (factor III): a default for each, the caller's wins.
PORT ?= 5000
DATABASE_URL ?= sqlite:///$(CURDIR)/var/welcome.db
# Passed through to bench/run when set: `make bench QUICK=1`.
QUICK ?=
# How long `make fuzz` runs each fuzz target.
FUZZ_SECONDS ?= 60

DEPS := scripts/install-deps
RELEASE_DIR := build/release
# C++ files under version control (and new ones not ignored), that exist;
# outside git (a source tarball), every C++ file outside build/.
CXX_FILES = $(wildcard $(shell git ls-files --cached --others --exclude-standard \
              -- '*.cpp' '*.hpp' '*.cc' '*.h' 2>/dev/null || \
              find . -path ./build -prune -o -type f \( -name '*.cpp' -o -name '*.hpp' \) -print))

.PHONY: help run build test fuzz format format-check lint release bench clean image deb deploy-test

help: ## List the targets
	@echo "usage: make TARGET [PORT=5000] [DATABASE_URL=...] [QUICK=1] [FUZZ_SECONDS=60] [JOBS=$(JOBS)]"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk -F':.*## ' '{ printf "  %-14s %s\n", $$1, $$2 }'

run: build ## Build the release and serve welcome on $PORT (default 5000)
	mkdir -p var
	# The release phase (Procfile: release), then the web process.
	DATABASE_URL='$(DATABASE_URL)' $(RELEASE_DIR)/welcome migrate
	PORT='$(PORT)' DATABASE_URL='$(DATABASE_URL)' exec $(RELEASE_DIR)/welcome serve

build: ## Build the release binaries build/release/welcome, hello and notes
	$(DEPS) build
	@if [[ ! -f $(RELEASE_DIR)/build.ninja || CMakePresets.json -nt $(RELEASE_DIR)/build.ninja ]]; \
	  then cmake --preset release; fi
	cmake --build --preset release --target welcome hello notes

test: ## Run the full test suite (unit, sanitizers, e2e, fuzz build and replay): what CI runs
	scripts/test

# The fuzz preset (clang, libFuzzer, ASan+UBSan) needs clang-14 and its
# runtimes, declared in deps/test.txt.
fuzz: ## Build the fuzz preset and run every fuzz target for FUZZ_SECONDS (default 60) each
	$(DEPS) build test
	@if [[ ! -f build/fuzz/build.ninja || CMakePresets.json -nt build/fuzz/build.ninja ]]; \
	  then cmake --preset fuzz; fi
	cmake --build --preset fuzz --target fuzzers
	FUZZ_SECONDS='$(FUZZ_SECONDS)' fuzz/run

format: ## Reformat every C++ file in place with clang-format
	$(DEPS) dev
	$(if $(CXX_FILES),clang-format -i $(CXX_FILES))

format-check: ## Fail if any C++ file is not clang-formatted
	$(DEPS) dev
	$(if $(CXX_FILES),clang-format --dry-run --Werror $(CXX_FILES))

# Lints the C++ sources changed against origin/main (or HEAD when there is no
# origin/main), plus new files. A changed header lints its .cpp (foo.hpp ->
# foo.cpp; twelve/include/twelve/foo.hpp -> twelve/src/foo.cpp), through which
# clang-tidy checks the header too.
lint: ## Run clang-tidy on the C++ files changed vs origin/main (or HEAD)
	$(DEPS) build dev
	@if [[ ! -f $(RELEASE_DIR)/compile_commands.json ]]; then cmake --preset release; fi
	@base=$$(git merge-base HEAD origin/main 2>/dev/null || git rev-parse -q --verify HEAD || true); \
	changed=$$( { if [[ -n "$$base" ]]; then git diff --name-only --diff-filter=d "$$base"; \
	              else git ls-files --cached; fi; \
	            git ls-files --others --exclude-standard; } | \
	          grep -E '\.(cpp|hpp)$$' | sed -E 's#/include/twelve/#/src/#; s/\.hpp$$/.cpp/' | \
	          sort -u | while read -r f; do if [[ -f "$$f" ]]; then echo "$$f"; fi; done); \
	if [[ -z "$$changed" ]]; then echo "lint: no changed C++ files"; exit 0; fi; \
	echo "lint:" $$changed; \
	clang-tidy -p $(RELEASE_DIR) --quiet --warnings-as-errors='*' \
	  --extra-arg=-Wno-unknown-warning-option $$changed

release: build ## Build, then pack dist/welcome-<version>-<commit>.tar.gz (factor V)
	@source $(RELEASE_DIR)/build_info.env; \
	name="welcome-$$TWELVE_BUILD_VERSION-$$TWELVE_BUILD_COMMIT"; \
	stage=$$(mktemp -d); trap 'rm -rf "$$stage"' EXIT; \
	mkdir -p "$$stage/bin" dist; \
	cp $(RELEASE_DIR)/welcome $(RELEASE_DIR)/hello "$$stage/bin/"; \
	if [[ -f Procfile ]]; then cp Procfile "$$stage/"; fi; \
	cp deps/runtime.txt "$$stage/runtime-packages.txt"; \
	{ echo "# The build artifact: these binaries + the environment = a release."; \
	  echo "name: welcome"; \
	  echo "version: $$TWELVE_BUILD_VERSION"; \
	  echo "commit: $$TWELVE_BUILD_COMMIT"; \
	  echo "build_time: $$TWELVE_BUILD_TIME"; \
	  echo "compiler: $$TWELVE_BUILD_COMPILER"; \
	  echo "build_type: $$TWELVE_BUILD_TYPE"; \
	  echo "runtime_packages: $$(sed 's/#.*//' deps/runtime.txt | xargs)"; \
	  echo "sha256:"; \
	  (cd "$$stage" && sha256sum bin/*) | awk '{ printf "  %s: %s\n", $$2, $$1 }'; \
	} > "$$stage/RELEASE"; \
	tar -C "$$stage" --sort=name --owner=0 --group=0 --numeric-owner \
	  --mtime="$$TWELVE_BUILD_TIME" -cf - $$(ls -A "$$stage") | gzip -n > "dist/$$name.tar.gz.tmp"; \
	mv "dist/$$name.tar.gz.tmp" "dist/$$name.tar.gz"; \
	if [[ "$$TWELVE_BUILD_COMMIT" == *-dirty || "$$TWELVE_BUILD_COMMIT" == unknown ]]; then \
	  echo "release: warning: built from an uncommitted tree ($$TWELVE_BUILD_COMMIT)" >&2; fi; \
	echo "release: dist/$$name.tar.gz"; cat "$$stage/RELEASE"

image: ## Build the images welcome:<version>, welcome:latest and the stores' (scripts/image)
	scripts/image

# CPack's DEB generator (cmake/Packaging.cmake); its work files stay in build/.
deb: build ## Build, then pack dist/welcome_<version>_<arch>.deb with its systemd unit
	mkdir -p dist
	cpack --config $(RELEASE_DIR)/CPackConfig.cmake -B $(RELEASE_DIR)/cpack
	mv $(RELEASE_DIR)/cpack/welcome_*.deb dist/
	@ls dist/welcome_*.deb

deploy-test: ## Build the images and test every way to deploy them (scripts/deploy-test)
	scripts/deploy-test

bench: ## Run the benchmarks (bench/run); QUICK=1 for a short run
	$(DEPS) build bench
	$(MAKE) build
	cmake --build --preset release --target micro_bench
	QUICK='$(QUICK)' bench/run
	# The hot paths, one by one (request parsing, routing, log encoding,
	# coalescing): bench/results/micro.json.
	build/release/micro_bench $(if $(QUICK),--benchmark_min_time=0.05) \
	  --benchmark_out=bench/results/micro.json --benchmark_out_format=json

clean: ## Remove build/ and dist/ (keeps var/, the local data)
	rm -rf build dist

# SPDX-License-Identifier: Apache-2.0
# Thin wrapper for the README's commands; the real build is Meson (meson.build).
#   make demo   install what is missing, build, create a hub with sample data and serve it
#   make test   install what is missing, build (plain, ASan+UBSan, fuzz) and run every test
#   make bench  run the benchmarks in bench/ and print figures
#   make tsan   build with ThreadSanitizer (build-tsan) and run the unit and API suites on it
#               (not part of `make test`: docs/internals/memory.md says why)
.PHONY: all deps build build-asan build-fuzz build-tsan test tsan demo bench fuzz format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@[ -f build/build.ninja ] || meson setup build >/dev/null
	@ninja -C build

build-asan: deps
	@[ -f build-asan/build.ninja ] || meson setup build-asan --buildtype=debug \
	    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	@ninja -C build-asan

build-fuzz: deps
	@[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz --buildtype=debug \
	    -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	@ninja -C build-fuzz

# gcc's ThreadSanitizer; TSAN_OPTIONS (tests/run.py) stops the server at the first report,
# which fails the test that triggered it.
build-tsan: deps
	@[ -f build-tsan/build.ninja ] || meson setup build-tsan --buildtype=debug \
	    -Db_sanitize=thread -Db_lundef=false >/dev/null
	@ninja -C build-tsan

tsan: build-tsan
	@python3 tests/run.py --only unit --build build-tsan
	@python3 tests/run.py --only api --build build-tsan

test: build build-asan build-fuzz
	@python3 tests/run.py

demo: build
	@bash scripts/demo.sh

bench: build
	@bash bench/run.sh

fuzz: build-fuzz
	@bash tests/fuzz/run.sh long

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan build-fuzz build-tsan

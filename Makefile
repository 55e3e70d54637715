# privaci — a thin wrapper over Meson. `make demo` and `make test` install
# whatever Debian packages are missing first, so a fresh machine needs
# nothing else.

BUILD        ?= build
BUILD_ASAN   ?= build-asan
BUILD_FUZZ   ?= build-fuzz
PYTHON       ?= /usr/bin/python3
FUZZ_SECONDS ?= 60

# Everything the build, the tests and the demo need (Debian 12 names).
DEB_PACKAGES := meson ninja-build pkg-config gcc make \
	libpq-dev libfyaml-dev libjansson-dev libssl-dev libpcre2-dev \
	libutf8proc-dev libcurl4-openssl-dev libmicrohttpd-dev libcmocka-dev \
	python3 python3-pytest python3-psycopg python3-jsonschema python3-yaml \
	postgresql-15 postgresql-client-15 \
	clang libclang-rt-14-dev clang-format

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build deps test test-unit test-integration test-asan format format-check \
	fuzz demo clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else \
		echo "All build, test and demo packages are installed."; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

test: deps build
	$(MAKE) --no-print-directory test-unit test-integration

test-unit: build
	meson test -C $(BUILD) --print-errorlogs --verbose

test-integration: build
	PRIVACI_BIN=$(abspath $(BUILD))/privaci $(PYTHON) -m pytest tests/integration -q -p no:cacheprovider

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
$(BUILD_ASAN)/build.ninja:
	meson setup $(BUILD_ASAN) -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug

test-asan: deps $(BUILD_ASAN)/build.ninja
	ninja -C $(BUILD_ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(BUILD_ASAN) --print-errorlogs
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		PRIVACI_BIN=$(abspath $(BUILD_ASAN))/privaci $(PYTHON) -m pytest tests/integration -q -p no:cacheprovider

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

$(BUILD_FUZZ)/build.ninja:
	CC=clang meson setup $(BUILD_FUZZ) -Dfuzz=true -Dtests=false -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug

fuzz: deps $(BUILD_FUZZ)/build.ninja
	ninja -C $(BUILD_FUZZ)
	fuzz/run.sh $(FUZZ_SECONDS) config
	fuzz/run.sh $(FUZZ_SECONDS) copy

# The embedded demo: a private PostgreSQL under .demo/, a generated clinic +
# helpdesk source, and a privaci run into a target database beside it.
demo: deps build
	demo/run-demo.sh

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)

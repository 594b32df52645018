# The two commands of the README: `make run` and `make test`. Both install the Debian packages
# they need first. `make bench` prints the benchmarks, `make soak` runs an hour of steady load,
# `make fuzz` fuzzes every parser of untrusted bytes for FUZZ_SECONDS each.

SWIFT ?= swift
BUILD_PACKAGES := libunbound-dev libsqlite3-dev zlib1g-dev libxml2-dev
TEST_PACKAGES := nsd opendmarc opendkim postfix swaks miltertest openssl python3-dkim python3-authres python3-nacl python3-spf python3-venv publicsuffix libxml2-utils sqlite3 curl chromium python3-websocket python3-prometheus-client
DMARCD := .build/debug/dmarcd

.PHONY: run test test-asan test-tsan bench soak function-order fuzz fuzz-build fuzz-smoke package package-test build-packages test-packages

build-packages:
	@scripts/install-debian-packages $(BUILD_PACKAGES)

test-packages: build-packages
	@scripts/install-debian-packages $(TEST_PACKAGES)

# The daemon in the foreground with the built-in defaults; its database lives under ./var/.
run: build-packages
	$(SWIFT) build --product dmarcd
	@mkdir -p var
	$(DMARCD) run --builtin-defaults --set DatabasePath=var/dmarcd.sqlite

# Serially: several tests wait on real servers and programs, and the DNS deadline tests measure
# elapsed time, which parallel suites blocking both cooperative threads would distort.
# parsedmarc (PyPI) reads our aggregate reports back the way many sites read them.
PARSEDMARC := .build-venv/parsedmarc/bin/parsedmarc

$(PARSEDMARC):
	python3 -m venv .build-venv/parsedmarc
	.build-venv/parsedmarc/bin/pip install -q parsedmarc

test: test-packages $(PARSEDMARC)
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel
	$(MAKE) fuzz-smoke
	$(MAKE) package-test

# The same tests built with AddressSanitizer or ThreadSanitizer, each in a scratch path of its
# own (a cold build of every module, about half an hour on two cores). The daemon the tests
# start is the sanitized build too.
test-asan: SANITIZER = address
test-tsan: SANITIZER = thread
test-asan: export LSAN_OPTIONS = suppressions=$(CURDIR)/Tests/Sanitizers/lsan.supp:print_suppressions=0
test-asan test-tsan: test-packages $(PARSEDMARC)
	$(SWIFT) build --build-tests --scratch-path .build-$(SANITIZER) --sanitize=$(SANITIZER)
	$(SWIFT) test --skip-build --no-parallel --scratch-path .build-$(SANITIZER) --sanitize=$(SANITIZER)

# The .deb and .rpm in .build/packages/, from a release binary with the Swift runtime linked in.
package: build-packages
	@scripts/install-debian-packages rpm
	scripts/build-packages

# Installs the .deb here, runs and purges it, and checks the .rpm and the systemd unit.
package-test: package
	scripts/test-packages

# The milter benchmark starts the release dmarcd, built as it is packaged, beside OpenDKIM and
# OpenDMARC.
bench: test-packages
	SWIFT="$(SWIFT)" scripts/build-release dmarcd DmarcdBench
	.build/release/DmarcdBench

# The order scripts/build-release lays the release binary's functions out in, written anew from
# the functions the milter benchmark's dmarcd runs (under valgrind, some minutes): worth it when
# `make bench` shows dmarcd's resident code grown.
function-order: test-packages
	SWIFT="$(SWIFT)" scripts/order-functions

# dmarcd alone under steady load for SOAK_MINUTES at SOAK_RATE messages/s over 32 sessions,
# sampled every minute: RSS, CPU per message, latency.
SOAK_MINUTES ?= 60
SOAK_RATE ?= 160

soak: test-packages
	SWIFT="$(SWIFT)" scripts/build-release dmarcd DmarcdBench
	.build/release/DmarcdBench soak $(SOAK_MINUTES) $(SOAK_RATE)

# The fuzz targets (Sources/DmarcdFuzz) built with libFuzzer, in their own scratch path so that
# the instrumented modules do not replace the ordinary build's.
FUZZ_SECONDS ?= 600
FUZZ_SCRATCH := .build-fuzz

fuzz-build: build-packages
	$(SWIFT) build --scratch-path $(FUZZ_SCRATCH) --product DmarcdFuzz \
		-Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -DFUZZING

# Each target in turn for FUZZ_SECONDS; findings go to Fuzz/findings/<target>/ (git-ignored).
fuzz: fuzz-build
	scripts/fuzz $(FUZZ_SECONDS)

# The seed corpora replayed through every target by the ordinary build of the same executable,
# so that a parser change that crashes on them fails the tests. Not a fuzzer run: a cold
# fuzzer build is a second build of every module, too slow for each test run.
fuzz-smoke:
	.build/debug/DmarcdFuzz

# The two commands of the README: `make run` and `make test`. Both install the Debian packages
# they need first. `make bench` prints the benchmarks.

SWIFT ?= swift
BUILD_PACKAGES := libunbound-dev libsqlite3-dev zlib1g-dev libxml2-dev
TEST_PACKAGES := nsd opendmarc opendkim postfix swaks miltertest openssl python3-dkim python3-nacl python3-spf publicsuffix libxml2-utils
DMARCD := .build/debug/dmarcd

.PHONY: run test bench build-packages test-packages

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
test: test-packages
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --no-parallel

# The milter benchmark starts the release dmarcd beside OpenDKIM and OpenDMARC.
bench: test-packages
	$(SWIFT) build -c release --product dmarcd
	$(SWIFT) build -c release --product DmarcdBench
	.build/release/DmarcdBench

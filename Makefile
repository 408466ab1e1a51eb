# BookingX Live Chat — build, demo and test entry points. Debian 12; see README.md.
#
#   make demo         everything needed, then a local WordPress with the plugin + bkx-chatd
#   make test         format, lints, Rust tests, stubs, front-end assets, PHPUnit (extension
#                     + end-to-end), browser tests of the widget and the inbox
#   make build        release build of the extension and the daemon; the plugin's JS/CSS
#   make dist         the shipped build (full LTO) of the extension and the daemon: target/dist/
#   make install      install the extension into this machine's PHP (needs root; builds dist)
#   make stubs        regenerate stubs/bkx_livechat.stubs.php
#   make bench        sanitizer benchmark (needs a WordPress folder for kses), then bkx-chatd vs
#                     a Node.js Socket.IO reference server (bench/chat, needs MariaDB and node),
#                     booking availability vs BookingX's own (bench/booking), 1 000 trigger rules
#   make conformance  checks against the shared reference data (SHARED_REF, default ../shared/ref):
#                     the sanitiser (DOMPurify payloads), Zendesk messaging webhook examples,
#                     our Intercom and Zendesk client requests, and the fakes' answers and
#                     webhooks, against the vendors' OpenAPI documents
#   make stop         stop the demo and test sites;  make clean  also removes build output

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
export PATH := $(HOME)/.cargo/bin:$(PATH)

CARGO       ?= cargo
PHP         ?= php
PHP_VER     := $(shell $(PHP) -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;' 2>/dev/null)
PHP_EXT_DIR ?= $(shell php-config --extension-dir 2>/dev/null)
PHP_CONF    ?= /etc/php/$(PHP_VER)
EXT_SO      := target/release/libbkx_livechat.so
CHATD_BIN   := target/release/bkx-chatd
# What ships and what is benchmarked: the `dist` profile (full LTO, one codegen unit).
DIST_SO     := target/dist/libbkx_livechat.so
DIST_CHATD  := target/dist/bkx-chatd
PHP_WITH_EXT := scripts/php-ext.sh
SHARED_REF  ?= ../shared/ref
# A WordPress folder for the benchmark (kses): the test or demo site if one exists.
BKX_WP_PATH ?= $(firstword $(wildcard .run/test/wordpress .run/demo/wordpress) /usr/share/wordpress)

.PHONY: help deps services build dist demo test stubs stubs-check install bench conformance stop clean

help:
	@sed -n 's/^#   //p' $(MAKEFILE_LIST)

deps:
	@scripts/deps.sh

services: deps
	@scripts/services.sh up

# One release build serves everything: the demo, the extension's PHPUnit tests, the
# end-to-end site and the benchmarks.
build: deps
	$(CARGO) build --release --workspace
	@ls -l $(EXT_SO) $(CHATD_BIN)
	@scripts/build-assets.sh

demo: services build
	@scripts/site.sh up demo

test: services build
	@scripts/test.sh

stubs: build
	@scripts/stubs.sh write

stubs-check: build
	@scripts/stubs.sh check

dist: deps
	$(CARGO) build --profile dist --workspace
	@scripts/build-assets.sh

install: dist
	@test -n "$(PHP_EXT_DIR)" || { echo "php-config not found (install php-dev)"; exit 1; }
	install -D -m 0644 $(DIST_SO) $(DESTDIR)$(PHP_EXT_DIR)/bkx_livechat.so
	install -D -m 0644 php/bkx_livechat.ini $(DESTDIR)$(PHP_CONF)/mods-available/bkx_livechat.ini
	@if [ -z "$(DESTDIR)" ] && command -v phpenmod >/dev/null; then \
		phpenmod -v $(PHP_VER) -s cli bkx_livechat; \
		if [ -d $(PHP_CONF)/fpm ]; then phpenmod -v $(PHP_VER) -s fpm bkx_livechat; fi; \
	else \
		for sapi in cli fpm; do \
			if [ -d $(DESTDIR)$(PHP_CONF)/$$sapi/conf.d ]; then \
				ln -sf $(PHP_CONF)/mods-available/bkx_livechat.ini $(DESTDIR)$(PHP_CONF)/$$sapi/conf.d/20-bkx_livechat.ini; \
			fi; \
		done; \
	fi
	@if [ -z "$(DESTDIR)" ]; then \
		if $(PHP) -m | grep -x bkx_livechat >/dev/null; then \
			echo "bkx_livechat enabled for PHP $(PHP_VER) (cli, fpm); restart php$(PHP_VER)-fpm to load it there"; \
		else echo "error: PHP $(PHP_VER) does not load bkx_livechat after the install"; exit 1; fi; \
	fi

# Checks that fail fast, before any build.
.PHONY: check-bench-script check-shared-ref
check-bench-script:
	@test -f php/bench/sanitizer-bench.php || { echo "error: php/bench/sanitizer-bench.php is missing"; exit 1; }

check-shared-ref:
	@test -d "$(SHARED_REF)" || { echo "error: reference data not found at SHARED_REF=$(SHARED_REF)"; \
		echo "       (make conformance reads the shared reference folder; pass SHARED_REF=/path/to/ref)"; exit 1; }
	@test -f php/conformance/run.php || { echo "error: php/conformance/run.php is missing"; exit 1; }

bench: check-bench-script dist
	BKX_EXT_SO=$(abspath $(DIST_SO)) BKX_WP_PATH=$(abspath $(BKX_WP_PATH)) $(PHP_WITH_EXT) php/bench/sanitizer-bench.php
	BKX_CHATD_BIN=$(abspath $(DIST_CHATD)) bench/chat/run.sh
	BKX_EXT_SO=$(abspath $(DIST_SO)) BKX_CHATD_BIN=$(abspath $(DIST_CHATD)) bench/booking/run.sh
	$(CARGO) run --profile dist -q -p bkx-core --example engagement_rules
	BKX_EXT_SO=$(abspath $(DIST_SO)) $(PHP_WITH_EXT) bench/engagement/bench.php

conformance: check-shared-ref build
	$(PHP_WITH_EXT) php/conformance/run.php $(abspath $(SHARED_REF))
	BKX_SHARED_REF=$(abspath $(SHARED_REF)) $(CARGO) test -p bkx-core --test sunshine_conformance -- --ignored
	cd tests/fakes && npm ci --no-audit --no-fund --loglevel=error
	node tests/fakes/conformance/check.mjs $(abspath $(SHARED_REF))
	SHARED_REF=$(abspath $(SHARED_REF)) node --test tests/fakes/conformance.test.mjs

stop:
	@scripts/site.sh stop demo
	@scripts/site.sh stop test

clean: stop
	rm -rf .run
	$(CARGO) clean

# SPDX-License-Identifier: GPL-2.0
# Hosted (userspace) build of the engine: tests, sanitizers, fuzzing, bench.
.PHONY: hosted-test hosted-tsan fuzz bench
hosted-test hosted-tsan fuzz bench:
	@echo "$@: not yet"

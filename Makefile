# SPDX-License-Identifier: GPL-2.0
#
# checkpoint(2)/restart(2) for Linux 6.12: build and test.
#
#   make run                  boot x86_64 and run the demo
#   make bench                boot x86_64 and run the benchmark
#   make fuzz                 fuzz restart(2) on x86_64 (KASAN, lockdep, kmemleak):
#                             FUZZ_COUNT=100000 images, or FUZZ_SECONDS=S
#                             (both: whichever ends first)
#   make check                build and test all four arches
#   make kernel ARCH=a        build the kernel of one arch
#   make selftests ARCH=a     build the tests and the initramfs of one arch
#   make test ARCH=a          build and test one arch
#   make tree                 assemble build/linux (extract, patch, link)
#   make deps                 install the build dependencies (apt-get)
#
# ARCH is one of x86_64 (default), s390x, ppc64le, arm.

ARCH ?= x86_64
H := harness

.PHONY: all deps tree kernel selftests test check run bench fuzz clean

all: check

deps:
	@$(H)/deps.sh

tree:
	@$(H)/prepare-tree.sh

kernel:
	@$(H)/build-kernel.sh $(ARCH)

selftests:
	@$(H)/build-userspace.sh $(ARCH)

test: deps
	@$(H)/check.sh $(ARCH)

check: deps
	@$(H)/check.sh

run: deps
	@$(H)/build-kernel.sh x86_64
	@$(H)/build-userspace.sh x86_64
	@$(H)/run-demo.sh

bench: deps
	@KVARIANT=bench $(H)/build-kernel.sh x86_64
	@KVARIANT=bench $(H)/build-userspace.sh x86_64
	@KVARIANT=bench $(H)/run-bench.sh

fuzz: deps
	@$(H)/build-kernel.sh x86_64
	@$(H)/build-userspace.sh x86_64
	@$(H)/run-fuzz.sh

clean:
	rm -rf build/out build/usr build/logs

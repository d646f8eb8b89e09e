# rxgbe: out-of-tree Rust driver for Intel 82576 (igb) and 82540EM (e1000), and its QEMU lab.
#
#   make test       everything: setup, kernel, module, host unit tests, VM selftests, kselftests
#   make demo       boot the lab, load rxgbe on the emulated igb and show it carrying traffic
#   make vm         interactive guest shell with rxgbe loaded and the peer ready
#   make module     build rxgbe.ko against KDIR (default: the lab kernel of flavour KERNEL)
#   make kselftest  upstream drivers/net kselftests in the guest (DRIVER=rxgbe|igb, DEVICE=igb|e1000)
#   make moderation interrupts/s, throughput, CPU% with moderation off, fixed and adaptive (DRIVER=rxgbe|igb)
#   make offloads   throughput, frames/s, stack calls/s, CPU with TSO, checksum, GRO, LRO on and off
#   make ntuple-bench  flow-steering cost: pps and CPU with 0/10/1000 rules and the cross-vector hand-off
#   make bench      rxgbe against the in-tree igb on the release kernel, interleaved repetitions (BENCH_REPS=5)
#   make clean

SHELL := /bin/bash
LLVM ?= -19
DRIVER ?= rxgbe
DEVICE ?= igb
export DRIVER DEVICE

# Lab kernel flavour for module, kselftest, moderation, demo and vm: test (debug options) or release.
# make test always uses the test kernel.
KERNEL ?= test
ifeq ($(origin KDIR), undefined)
LAB_KERNEL := 1
KDIR = $(shell bash scripts/kernel.sh $(KERNEL))
endif

.PHONY: all setup kernel rootfs module host-test vm-test kselftest moderation offloads ntuple-bench bench profile iprofile test demo vm clean

all: module

setup:
	@bash scripts/setup.sh

kernel: setup
	@bash scripts/kernel.sh $(KERNEL) >/dev/null

rootfs: setup
	@bash scripts/rootfs.sh >/dev/null

module: $(if $(LAB_KERNEL),kernel)
	@echo "[module] building rxgbe.ko against $(KDIR)"
	@$(MAKE) -s -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) $(if $(CLIPPY),CLIPPY=1) modules

host-test:
	@echo "[host-test] cargo test (pure logic: descriptors, rings)"
	@cargo test --quiet

vm-test: module rootfs
	@bash scripts/kselftest.sh build
	@KDIR=$(KDIR) bash scripts/vm-tests.sh

kselftest: module rootfs
	@KDIR=$(KDIR) bash scripts/kselftest.sh

moderation: module rootfs
	@KDIR=$(KDIR) bash scripts/moderation.sh

offloads: module rootfs
	@KDIR=$(KDIR) bash scripts/offloads.sh

# Flow-steering cost, on the release kernel like the benchmark.
ntuple-bench: KERNEL = release
ntuple-bench: kernel module rootfs
	@KDIR=$(KDIR) bash scripts/ntuple-bench.sh

# The benchmark always uses the release kernel (and builds rxgbe.ko for it).
bench: KERNEL = release
bench: kernel module rootfs
	@KDIR=$(KDIR) bash scripts/bench.sh

# make profile: perf profile of the guest while receiving, rxgbe and the in-tree igb (bench/results/*-profile.md).
profile: KERNEL = release
profile: kernel module rootfs
	@KDIR=$(KDIR) bash scripts/profile.sh

# make iprofile: guest instructions per received packet by symbol, in the benchmark's icount mode, rxgbe and the
# in-tree igb (bench/results/*-iprofile.md).
iprofile: KERNEL = release
iprofile: kernel module rootfs
	@KDIR=$(KDIR) bash scripts/iprofile.sh

# make test: every VM selftest on igb and e1000 plus the igb INTx fallback boot; the kselftests the open issues
# require run at the end of the igb boot (make kselftest runs the wider quick set). prepare.sh builds the kernel,
# the guest image and the kselftests (napi.sh uses their YNL library) side by side on a cold cache.
test: setup
	@bash scripts/prepare.sh
	@$(MAKE) -s host-test module KERNEL=test
	@RXGBE_KSFT_TESTS=required bash scripts/vm-tests.sh
	@echo "[test] all tests passed"

demo: module rootfs
	@KDIR=$(KDIR) python3 scripts/vm.py --mode demo --driver rxgbe --device igb

vm: module rootfs
	@KDIR=$(KDIR) python3 scripts/vm.py --mode shell --driver $(DRIVER) --device $(DEVICE) --interactive

clean:
	@kdir="$(if $(LAB_KERNEL),$$(. scripts/common.sh && kernel_build_dir $(KERNEL)),$(KDIR))"; \
	  if [ -f "$$kdir/Makefile" ]; then $(MAKE) -s -C "$$kdir" M=$(CURDIR) LLVM=$(LLVM) clean; fi
	@rm -rf build target rust-bindings/generated

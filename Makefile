# FlashNet. The two commands a newcomer needs (see README.md):
#   make demo    boot two guests and show FlashNet working
#   make check   build everything and run every test
# Both first install any missing Debian packages (tools/setup/setup.sh).

BUILD		?= build
CMAKE_BUILD	:= $(BUILD)/cmake
KMOD_OUT	:= $(BUILD)/kmod
LOG_DIR		?= $(BUILD)/logs
STOCK_RELEASE	:= $(shell tools/kernel/stock-release.sh)
# Modules build against Debian's stock kernel unless told otherwise.
KDIR		?= /lib/modules/$(STOCK_RELEASE)/build
CTEST_JOBS	?= 2

.PHONY: all setup tools modules modules-debug debug-kernel siw-reference \
	kernels check check-quick unit demo clean help

all: tools modules

help:
	@sed -n 's/^# \{0,1\}//p' Makefile | sed -n '1,4p'
	@echo "targets: all tools modules debug-kernel modules-debug siw-reference"
	@echo "         check check-quick unit demo clean bench-salsa bench-contigfs"

setup:
	@tools/setup/setup.sh

tools: setup
	@cmake -S . -B $(CMAKE_BUILD) -DFLASHNET_LOG_DIR=$(abspath $(LOG_DIR)) >/dev/null
	@cmake --build $(CMAKE_BUILD) -j$$(nproc)

modules: setup
	@tools/kernel/build-modules.sh $(KDIR) $(KMOD_OUT) >/dev/null

debug-kernel: setup
	@tools/kernel/build-kernel.sh >/dev/null

modules-debug: debug-kernel
	@tools/kernel/build-modules.sh \
		$$(tools/kernel/build-kernel.sh)/build $(KMOD_OUT) >/dev/null

siw-reference: setup
	@tools/kernel/build-siw-reference.sh $(KDIR) >/dev/null

kernels: modules modules-debug siw-reference

# Everything: unit tests, KUnit and every guest suite on both kernels.
check: tools kernels
	@tests/run-tests.sh $(CMAKE_BUILD) -j$(CTEST_JOBS)

# Iteration subset: unit tests and the quick stock-kernel guest tests; does
# not need (or build) the debug kernel.
check-quick: tools modules siw-reference
	@tests/run-tests.sh $(CMAKE_BUILD) -j$(CTEST_JOBS) -L '^quick$$'

unit: tools
	@tests/run-tests.sh $(CMAKE_BUILD) -L '^unit$$'

demo: tools kernels
	@tests/demo/demo.sh $(CMAKE_BUILD)

clean:
	rm -rf $(BUILD)

# Benchmarks of the salsa target, not part of check: write amplification
# under skewed overwrites, and 4 KiB IOPS through salsa vs raw null_blk.
.PHONY: bench-salsa bench-contigfs
BENCH_ENV = FLASHNET_VM=$(CMAKE_BUILD)/tools/vm/flashnet-vm \
	FLASHNET_BLKCHECK=$(CMAKE_BUILD)/tools/salsa/flashnet-blkcheck \
	FLASHNET_KMOD_DIR=$(abspath $(KMOD_OUT))
bench-salsa: tools modules
	@$(BENCH_ENV) FLASHNET_TEST_LOGS=$(abspath $(LOG_DIR))/bench-wa \
		tests/salsa/bench-wa.sh stock
	@$(BENCH_ENV) FLASHNET_TEST_LOGS=$(abspath $(LOG_DIR))/bench-iops \
		tests/salsa/bench-iops.sh stock

# contigfs vs the raw salsa device (fio psync and mmap) and metadata rates
# vs ext4 on the same salsa table; BENCH_RUNS etc.: tests/contigfs/bench.sh.
bench-contigfs: tools modules
	@$(BENCH_ENV) FLASHNET_TEST_LOGS=$(abspath $(LOG_DIR))/bench-contigfs \
		tests/contigfs/bench.sh stock

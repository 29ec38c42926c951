# SPDX-License-Identifier: GPL-2.0
#
# memsched top-level Makefile. The kernel modules are built by kbuild through
# the top-level Kbuild; this file holds the convenience targets.
#
#   make check   install deps, build, run unit tests and the lab kselftests
#   make demo    boot the lab, load the modules, start a nested guest, show
#                what memsched sees
#   make modules KDIR=/lib/modules/$(uname -r)/build   build for a real host
#                (with split BTF, scripts/module-btf.sh, for the eBPF tools)
#   make bpf     the eBPF tools (bpf/build/mschedtop, mschedlat, mschedsnoop)

KVER ?= $(shell scripts/kver.sh 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
# Warnings are errors in our own builds; MEMSCHED_WERROR= relaxes that for a
# newer kernel that grows new warnings.
MEMSCHED_WERROR ?= y

.PHONY: all deps modules modules-debug bpf tools selftests unit check demo bench clean

all: modules bpf tools selftests

deps:
	@scripts/deps.sh

modules:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)' (run make deps, or set KDIR)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 MEMSCHED_WERROR=$(MEMSCHED_WERROR) modules
	@scripts/module-btf.sh "$(KVER)" "$(KDIR)" build/btf $$(cat modules.order)

# The modules for the lab's debug kernel (scripts/debug-kernel.sh), built
# from a copy in $(KMOD_DEBUG_OUT) so the stock build stays as it is (make
# bench builds the bench variant's into build/kmod-bench).
KMOD_DEBUG_OUT ?= build/kmod-debug
modules-debug:
	@test -n "$(KMOD_DEBUG_OUT)" && test -d "$(DEBUG_KDIR)" || { echo "set DEBUG_KDIR to a debug kernel build tree (scripts/debug-kernel.sh prints its directory; use DIR/build)"; exit 1; }
	rm -rf $(KMOD_DEBUG_OUT)
	mkdir -p $(KMOD_DEBUG_OUT)
	cp -a Kbuild kmod include $(KMOD_DEBUG_OUT)/
	mkdir -p $(KMOD_DEBUG_OUT)/lib
	cp -a lib/*.c lib/*.h $(KMOD_DEBUG_OUT)/lib/
	find $(KMOD_DEBUG_OUT) \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name Module.symvers -o -name modules.order \) -delete
	$(MAKE) -C $(DEBUG_KDIR) M=$(abspath $(KMOD_DEBUG_OUT)) W=1 MEMSCHED_WERROR=$(MEMSCHED_WERROR) modules

bpf:
	$(MAKE) -C bpf

tools:
	$(MAKE) -C tools

selftests:
	$(MAKE) -C selftests all

unit:
	$(MAKE) -C lib/tests run

check:
	@scripts/check.sh

demo:
	@scripts/demo.sh

bench:
	@scripts/bench.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C lib/tests clean
	-$(MAKE) -C selftests clean
	-$(MAKE) -C bpf clean
	-$(MAKE) -C tools clean
	rm -rf build

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
#   make install [DESTDIR=DIR]   the built modules under
#                /lib/modules/$(KVER)/updates, memschedctl and the eBPF
#                tools under /usr/sbin, the packaging examples (packaging/)
#   make dkms-src [DESTDIR=DIR]  /usr/src/memsched-V and memsched-guest-V
#                with their dkms.conf
#   make dkms-install [DKMS_PACKAGES=memsched|memsched-guest] [DESTDIR=DIR]
#                dkms-src, then dkms add, build and install for KVER;
#                make dkms-remove: dkms remove --all

# The kernel to build for: the running one when its build tree is
# installed (a real host), else the newest installed Debian kernel with
# headers and an image (scripts/kver.sh: the lab's, which check.sh, demo.sh
# and bench.sh ask for by name).
RUNNING_KVER := $(shell uname -r)
KVER ?= $(if $(wildcard /lib/modules/$(RUNNING_KVER)/build/Makefile),$(RUNNING_KVER),$(shell scripts/kver.sh 2>/dev/null))
KDIR ?= /lib/modules/$(KVER)/build
# Warnings are errors in our own builds; MEMSCHED_WERROR= relaxes that for a
# newer kernel that grows new warnings.
MEMSCHED_WERROR ?= y

.PHONY: all deps modules modules-debug bpf tools selftests unit check demo bench clean \
	install install-modules install-tools install-examples dkms-src \
	dkms-check dkms-install dkms-remove

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

# Installation. Nothing is built here (make all first, as yourself; then
# make install as root). DESTDIR is prepended to every path.
DESTDIR ?=
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec
MODDIR ?= /lib/modules/$(KVER)/updates
SYSCONFDIR ?= /etc
SYSTEMDDIR ?= /lib/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/memsched
HOST_MODULES := kmod/memsched/memsched.ko kmod/rdma_failover/rdma_failover.ko
GUEST_MODULES := kmod/balloon_guest/balloon_guest.ko
SBIN_TOOLS := tools/build/memschedctl bpf/build/mschedtop bpf/build/mschedlat bpf/build/mschedsnoop
MEMSCHED_VERSION ?= $(or $(shell git describe --always --dirty 2>/dev/null | sed 's/-/./g'),0)

install: install-modules install-tools install-examples

install-modules:
	@for f in $(HOST_MODULES) $(GUEST_MODULES); do \
		test -f $$f || { echo "install: no $$f (run make modules first)"; exit 1; }; done
	install -d $(DESTDIR)$(MODDIR)
	install -m 0644 $(HOST_MODULES) $(GUEST_MODULES) $(DESTDIR)$(MODDIR)/
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); \
	else echo "install: DESTDIR set: run 'depmod -a $(KVER)' on the target"; fi

install-tools:
	@for f in $(SBIN_TOOLS); do \
		test -x $$f || { echo "install: no $$f (run make tools bpf first)"; exit 1; }; done
	install -d $(DESTDIR)$(SBINDIR)
	install -m 0755 $(SBIN_TOOLS) $(DESTDIR)$(SBINDIR)/

# The examples go where they act, except the per-VM directory (empty) and
# the ones that would change what an existing host does: modules-load.d
# loads memsched at boot, so it is only copied to DOCDIR, like the config
# example.
install-examples:
	install -d $(DESTDIR)$(SYSCONFDIR)/modprobe.d $(DESTDIR)$(SYSCONFDIR)/memsched/vms \
		$(DESTDIR)$(SYSCONFDIR)/libvirt/hooks/qemu.d $(DESTDIR)$(SYSTEMDDIR) \
		$(DESTDIR)$(DOCDIR)/examples
	install -m 0644 packaging/modprobe.d/memsched.conf $(DESTDIR)$(SYSCONFDIR)/modprobe.d/memsched.conf
	install -m 0755 packaging/libvirt/qemu $(DESTDIR)$(SYSCONFDIR)/libvirt/hooks/qemu.d/memsched
	install -D -m 0755 packaging/libvirt/memsched-qemu $(DESTDIR)$(LIBEXECDIR)/memsched/qemu-system-x86_64
	install -m 0644 packaging/systemd/memsched.service $(DESTDIR)$(SYSTEMDDIR)/memsched.service
	install -m 0644 packaging/modules-load.d/memsched.conf $(DESTDIR)$(DOCDIR)/examples/modules-load.d-memsched.conf
	install -m 0644 Documentation/admin-guide/examples/web1.conf $(DESTDIR)$(DOCDIR)/examples/web1.conf

# The dkms source trees: the host's (memsched.ko, rdma_failover.ko) and
# the guest's (balloon_guest.ko), each with its dkms.conf
# (packaging/dkms/); then 'dkms add|build|install memsched/VERSION'.
DKMS_SRC = Kbuild kmod include
dkms-src:
	@for p in memsched memsched-guest; do \
		d=$(DESTDIR)/usr/src/$$p-$(MEMSCHED_VERSION); \
		rm -rf $$d && install -d $$d/lib && cp -a $(DKMS_SRC) $$d/ && \
		cp -a lib/*.c lib/*.h $$d/lib/ && \
		find $$d \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
			-o -name '.*.cmd' -o -name Module.symvers -o -name modules.order \
			-o -name '*.dwo' \) -delete && \
		sed 's/@VERSION@/$(MEMSCHED_VERSION)/g' packaging/dkms/$$p.conf.in > $$d/dkms.conf && \
		echo "dkms-src: $$d" || exit 1; \
	done

# dkms add, build and install of DKMS_PACKAGES (the host's, memsched, by
# default; memsched-guest on a guest) for KVER. With DESTDIR, everything
# dkms writes stays under DIR: its tree (DIR/var/lib/dkms, with the module
# signing key it makes), the sources (DIR/usr/src) and the modules
# (DIR/lib/modules/KVER/updates/dkms), and no depmod runs (dkms's own
# would run on /lib/modules): as for make install, run it on the target.
# A version already added is removed first, so that it can run again.
DKMS ?= dkms
DKMS_PACKAGES ?= memsched
# dkms changes directory as it builds: its trees are given as absolute paths.
DKMS_DIR = $(abspath $(DESTDIR))
DKMS_TREE_FLAGS = $(if $(DESTDIR),--dkmstree $(DKMS_DIR)/var/lib/dkms --sourcetree $(DKMS_DIR)/usr/src \
	--installtree $(DKMS_DIR)/lib/modules --no-depmod)
DKMS_ENV = $(if $(DESTDIR),mok_signing_key=$(DKMS_DIR)/var/lib/dkms/mok.key \
	mok_certificate=$(DKMS_DIR)/var/lib/dkms/mok.pub)
dkms-check:
	@command -v $(DKMS) > /dev/null || { echo "dkms: no '$(DKMS)' in PATH: install it (Debian: apt-get install dkms; make deps does) or set DKMS=PATH" >&2; exit 1; }
	@for p in $(DKMS_PACKAGES); do case $$p in memsched|memsched-guest) ;; \
		*) echo "dkms: DKMS_PACKAGES: '$$p' (accepted: memsched, memsched-guest)" >&2; exit 1 ;; esac; done
	@test -n "$(KVER)" || { echo "dkms: no KVER (no kernel with headers: make deps, or set KVER)" >&2; exit 1; }

dkms-install:
	@$(MAKE) -s --no-print-directory dkms-check
	@$(MAKE) -s --no-print-directory dkms-src
	@set -e; $(if $(DESTDIR),install -d $(DKMS_DIR)/var/lib/dkms $(DKMS_DIR)/lib/modules/$(KVER);) \
	for p in $(DKMS_PACKAGES); do \
		$(DKMS_ENV) $(DKMS) remove $$p/$(MEMSCHED_VERSION) --all $(DKMS_TREE_FLAGS) > /dev/null 2>&1 || true; \
		for a in add build install; do \
			$(DKMS_ENV) $(DKMS) $$a $$p/$(MEMSCHED_VERSION) -k $(KVER) $(DKMS_TREE_FLAGS); done; \
	done
	@$(if $(DESTDIR),echo "dkms-install: DESTDIR set: run 'depmod -a $(KVER)' on the target")

dkms-remove:
	@$(MAKE) -s --no-print-directory dkms-check
	@set -e; for p in $(DKMS_PACKAGES); do \
		$(DKMS) remove $$p/$(MEMSCHED_VERSION) --all $(DKMS_TREE_FLAGS); done

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C lib/tests clean
	-$(MAKE) -C selftests clean
	-$(MAKE) -C bpf clean
	-$(MAKE) -C tools clean
	rm -rf build

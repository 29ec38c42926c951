# SPDX-License-Identifier: GPL-2.0
# Included by each selftests/<target>/Makefile, after it sets:
#   TEST_PROGS      scripts run as they are
#   TEST_GEN_PROGS  C programs built from <name>.c into build/<name>
#   TEST_GEN_SUBDIRS  sub-directories with their own Makefile (helpers)
# ONLY="a.sh b.sh" (make run_tests ONLY=...) runs just those of its
# programs that are named (the debug lab's subset: scripts/check.sh);
# SKIP="a.sh b.sh" runs all but those. QUEUE=DIR runs only the programs
# this runner claims first in DIR, a directory other runners share
# (run_tests.sh -q: make check's two stock labs take programs from one
# queue, so that neither idles while the other has programs left).
TARGET := $(notdir $(CURDIR))
CFLAGS ?= -O2 -g -Wall -Wextra -Werror
CFLAGS += -I../../include -I../lib
LDFLAGS ?= -static

all: $(TEST_GEN_PROGS:%=build/%)
	@for d in $(TEST_GEN_SUBDIRS); do $(MAKE) -s -C $$d || exit 1; done

build/%: %.c $(wildcard ../lib/*.h)
	@mkdir -p build
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LDLIBS)

RUN_PROGS := $(TEST_PROGS) $(TEST_GEN_PROGS:%=build/%)
ifneq ($(ONLY),)
RUN_PROGS := $(filter $(ONLY),$(RUN_PROGS))
endif
ifneq ($(SKIP),)
RUN_PROGS := $(filter-out $(SKIP),$(RUN_PROGS))
endif

run_tests: all
	@../run_tests.sh $(if $(QUEUE),-q $(QUEUE)) $(TARGET) $(RUN_PROGS)

# One line per program that run_tests would run: TARGET:PROG (the name of
# its claim in a QUEUE).
list_tests:
	@for p in $(RUN_PROGS); do echo "$(TARGET):$${p##*/}"; done

clean:
	rm -rf build
	@for d in $(TEST_GEN_SUBDIRS); do $(MAKE) -s -C $$d clean; done

.PHONY: all run_tests list_tests clean

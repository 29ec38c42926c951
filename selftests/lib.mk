# SPDX-License-Identifier: GPL-2.0
# Included by each selftests/<target>/Makefile, after it sets:
#   TEST_PROGS      scripts run as they are
#   TEST_GEN_PROGS  C programs built from <name>.c into build/<name>
#   TEST_GEN_SUBDIRS  sub-directories with their own Makefile (helpers)
# ONLY="a.sh b.sh" (make run_tests ONLY=...) runs just those of its
# programs that are named (the debug lab's subset: scripts/check.sh);
# SKIP="a.sh b.sh" runs all but those (make check's second stock lab runs
# what its first skips).
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
	@../run_tests.sh $(TARGET) $(RUN_PROGS)

clean:
	rm -rf build
	@for d in $(TEST_GEN_SUBDIRS); do $(MAKE) -s -C $$d clean; done

.PHONY: all run_tests clean

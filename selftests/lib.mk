# SPDX-License-Identifier: GPL-2.0
# Included by each selftests/<target>/Makefile, after it sets:
#   TEST_PROGS      scripts run as they are
#   TEST_GEN_PROGS  C programs built from <name>.c into build/<name>
#   TEST_GEN_SUBDIRS  sub-directories with their own Makefile (helpers)
TARGET := $(notdir $(CURDIR))
CFLAGS ?= -O2 -g -Wall -Wextra -Werror
CFLAGS += -I../../include -I../lib
LDFLAGS ?= -static

all: $(TEST_GEN_PROGS:%=build/%)
	@for d in $(TEST_GEN_SUBDIRS); do $(MAKE) -s -C $$d || exit 1; done

build/%: %.c $(wildcard ../lib/*.h)
	@mkdir -p build
	$(CC) $(CFLAGS) -o $@ $< $(LDFLAGS) $(LDLIBS)

run_tests: all
	@../run_tests.sh $(TARGET) $(TEST_PROGS) $(TEST_GEN_PROGS:%=build/%)

clean:
	rm -rf build
	@for d in $(TEST_GEN_SUBDIRS); do $(MAKE) -s -C $$d clean; done

.PHONY: all run_tests clean

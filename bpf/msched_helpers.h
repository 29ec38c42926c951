/* SPDX-License-Identifier: GPL-2.0 */
/*
 * User-space helpers shared by mschedtop, mschedlat and mschedsnoop: the
 * common options (-v, --raw-tp, --tp-btf), probing memsched and its BTF,
 * choosing tp_btf or raw_tp, VM names, memschedfs file -> VM, log2
 * histograms.
 */
#ifndef __MSCHED_HELPERS_H
#define __MSCHED_HELPERS_H

#include <stdbool.h>
#include <argp.h>
#include <stdarg.h>
#include <signal.h>
#include <time.h>
#include <sys/types.h>
#include <bpf/libbpf.h>

#define MSCHED_SYSFS	"/sys/kernel/mm/memsched"
#define MSCHED_RFO_SYSFS	"/sys/kernel/rdma_failover"

/* The common options, an argp child of each tool's parser. */
extern const struct argp msched_common_argp;
extern bool msched_verbose;

/*
 * argp_parse() with the tools' conventions: a bad option, value or
 * argument is refused with its message, a hint at --help and the usage
 * synopsis ("Usage: TOOL [...]"), exit status 2. Returns argp_parse()'s.
 */
int msched_argp_parse(const struct argp *argp, int argc, char **argv);

int msched_libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list args);

/* Fails with a message when memsched is not loaded. */
int msched_check_loaded(const char *tool);

/*
 * Loads one program of each tp_btf/raw_tp pair of @obj (before the
 * skeleton's load): tp_btf where the modules' BTF (memsched's, and
 * rdma_failover's for its rfo_* tracepoints) has every tracepoint the
 * programs name, raw_tp otherwise or when asked. Says which with -v, says
 * so when it fell back, and fails with a message when a tracepoint is
 * absent. The rfo_* programs stay off, without an error, when
 * rdma_failover is not loaded. A pair whose two programs the tool turned
 * off before (bpf_program__set_autoload(prog, false): an event it was not
 * asked to trace) stays off and is not checked. Returns 0 or -1.
 */
int msched_choose_attach(struct bpf_object *obj, const char *tool);

/* After msched_choose_attach(): does one program of the pair load? */
bool msched_attach_has(struct bpf_program *btf, struct bpf_program *raw);

/*
 * The VM whose RAM replica @name's file is (its replicas/NAME/path, after
 * msched_refresh_owners()); 0: none, or no such replica.
 */
pid_t msched_replica_owner(const char *name);

/* The VM's name: qemu's -name (guest=)X, else its comm, else "-". */
const char *msched_vm_name(pid_t pid, char *buf, size_t len);

/*
 * memschedfs files that are a VM's RAM: vms/<pid>/ram links to
 * files/<ino>. msched_refresh_owners() rereads them; msched_ino_owner()
 * then says whose RAM an inode is (0: no VM's).
 */
void msched_refresh_owners(void);
pid_t msched_ino_owner(unsigned long ino);

/* libbpf-tools' print_log2_hist: rows "lo -> hi : count |***|". */
void msched_print_log2_hist(const unsigned int *vals, int vals_size,
			    const char *val_type);

/*
 * SIGINT and SIGTERM end the tools: msched_block_signals() blocks them (so
 * that none arrives between a test and a sleep, unseen), then
 * msched_wait_until() waits for one of them until @deadline
 * (CLOCK_MONOTONIC). It returns true when one arrived (exit), false at the
 * deadline.
 */
void msched_block_signals(void);
bool msched_wait_until(const struct timespec *deadline);

/* "HH:MM:SS" now */
const char *msched_now(char *buf, size_t len);

#endif /* __MSCHED_HELPERS_H */

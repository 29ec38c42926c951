# SPDX-License-Identifier: GPL-2.0
# rdma_failover helpers for shell kselftests (sourced after tap.sh and
# memsched.sh): soft-RoCE (rxe) devices, a veth pair for one-host tests,
# the modules, memschedfs files, replicas in /sys/kernel/rdma_failover
# (Documentation/ABI/testing/sysfs-kernel-rdma_failover), and the peer lab
# host (tools/lab/lab-run --peer 'bash selftests/rdma_failover/peer-agent.sh').

RFO_ROOT=/sys/kernel/rdma_failover
RFO_RECORDS=$TAP_REPO/selftests/rdma_failover/build/records
# memschedfs on both lab hosts (the peer agent mounts it there too)
RFO_MNT=${RFO_MNT:-/run/rfo}
# the one-host pair: va 10.77.0.1 <-> vb 10.77.0.2, rxe_va and rxe_vb
RFO_VA_IP=10.77.0.1 RFO_VB_IP=10.77.0.2
# the two lab hosts (lab-run --peer): this one and the peer
RFO_A_IP=169.254.77.1 RFO_B_IP=169.254.77.2
RFO_AGENT_PORT=${RFO_AGENT_PORT:-7177}
# Under TCG a fork costs tens of ms: the waits below read sysfs with bash's
# read (no cat) and end by the clock (SECONDS, whole seconds: one more
# than asked), not by a count of polls:
# the lab's first run waited 264 s in a "120 s" loop of cat and sleep.
RFO_PORT=${RFO_PORT:-18515}
# the directory both lab hosts share (lab-run --shared; make check)
RFO_SHARED=${RFO_SHARED:-/mnt/lab-shared}

# rfo_require: skip the whole test without root, the tools, rxe or the
# module built.
rfo_require() {
	local t
	[ "$(id -u)" = 0 ] || tap_skip_all "needs root"
	for t in rdma socat ip; do
		command -v "$t" > /dev/null || tap_skip_all "no $t (scripts/deps.sh installs it)"
	done
	modinfo rdma_rxe > /dev/null 2>&1 || tap_skip_all "no rdma_rxe module (CONFIG_RDMA_RXE)"
	[ -f "$KMOD_DIR/rdma_failover/rdma_failover.ko" ] || tap_skip_all "no rdma_failover.ko (make modules)"
	[ -x "$RFO_RECORDS" ] || tap_skip_all "no $RFO_RECORDS (make -C selftests)"
}

# rfo_load: rdma_rxe and the rdma_cm user access (for rping), memsched if
# not loaded, then rdma_failover fresh. ms_insmod cannot load rdma_failover:
# one of its dependencies, memsched, is out of tree (no modprobe).
rfo_load() {
	local ko=$KMOD_DIR/rdma_failover/rdma_failover.ko dep
	modprobe -a rdma_rxe rdma_ucm ib_uverbs || return 1
	ms_loaded memsched || ms_insmod memsched || return 1
	ms_loaded rdma_failover && { rmmod rdma_failover || return 1; }
	for dep in $(modinfo -F depends "$ko" | tr ',' ' '); do
		[ "$dep" = memsched ] || modprobe "$dep" || return 1
	done
	insmod "$ko"
}

# rfo_unload: rdma_failover out (it stops and removes every replica).
rfo_unload() {
	ms_loaded rdma_failover && rmmod rdma_failover
	return 0
}

# rfo_rxe_add NAME NETDEV: an rxe device on NETDEV, port ACTIVE within 10 s.
rfo_rxe_add() {
	local i
	rdma link show "$1/1" > /dev/null 2>&1 || rdma link add "$1" type rxe netdev "$2" || return 1
	for i in $(seq 100); do
		rdma link show "$1/1" 2>/dev/null | grep -q 'state ACTIVE' && return 0
		sleep 0.1
	done
	echo "rxe $1 on $2 not ACTIVE: $(rdma link show "$1/1" 2>&1)"
	return 1
}

rfo_rxe_del() { rdma link delete "$1" 2>/dev/null; return 0; }

# rfo_veth_up: the one-host pair va (10.77.0.1/24) <-> vb (10.77.0.2/24),
# both in the init netns (6.1's rxe has its UDP socket in init_net only),
# with rxe_va and rxe_vb on them.
rfo_veth_up() {
	rfo_veth_down
	ip link add va type veth peer name vb &&
	ip addr add "$RFO_VA_IP/24" dev va &&
	ip addr add "$RFO_VB_IP/24" dev vb &&
	ip link set va up && ip link set vb up &&
	rfo_rxe_add rxe_va va && rfo_rxe_add rxe_vb vb
}

rfo_veth_down() {
	rfo_rxe_del rxe_va
	rfo_rxe_del rxe_vb
	ip link del va 2>/dev/null
	return 0
}

# rfo_rping ADDR: rdma_cm and RC send/RDMA between two local rxe devices
# (or to the peer): an rping server on ADDR, a client of 3 pings to it.
rfo_rping() {
	local spid rc
	command -v rping > /dev/null || { echo "no rping (rdmacm-utils)"; return 1; }
	timeout 60 rping -s -a "$1" -C 3 > /tmp/rping-s.$$ 2>&1 &
	spid=$!
	sleep 1
	timeout 60 rping -c -a "$1" -C 3 -v > /tmp/rping-c.$$ 2>&1
	rc=$?
	wait "$spid"
	[ "$rc" = 0 ] && [ "$(grep -c 'ping data' /tmp/rping-c.$$)" = 3 ] && rc=0 || rc=1
	[ "$rc" = 0 ] || echo "rping to $1: client: $(cat /tmp/rping-c.$$); server: $(cat /tmp/rping-s.$$)"
	rm -f /tmp/rping-s.$$ /tmp/rping-c.$$
	return "$rc"
}

# rfo_mount: memschedfs at RFO_MNT, huge=RFO_HUGE (never, these tests'
# default: the mount's is always; or
# always: 2 MiB folios, dirty-tracked by folio); a mount already there must
# be of that mode.
rfo_mount() {
	local huge=${RFO_HUGE:-never}
	mkdir -p "$RFO_MNT"
	mountpoint -q "$RFO_MNT" || mount -t memschedfs -o "huge=$huge" none "$RFO_MNT" || return 1
	if [ "$huge" = always ]; then
		grep " $RFO_MNT memschedfs " /proc/mounts | grep -q "huge=always"
	else
		! grep " $RFO_MNT memschedfs " /proc/mounts | grep -q "huge=always"
	fi
}

rfo_umount() {
	mountpoint -q "$RFO_MNT" && umount "$RFO_MNT"
	return 0
}

# rfo_file NAME MIB: a new memschedfs file RFO_MNT/NAME of MIB MiB (zeros);
# prints its path.
rfo_file() {
	local f=$RFO_MNT/$1
	rm -f "$f"
	truncate -s "${2}M" "$f" && echo "$f"
}

# rfo_add PATH: replicate PATH; prints the replica's directory.
rfo_add() {
	ms_write "$1" "$RFO_ROOT/add" || return 1
	echo "$RFO_ROOT/replicas/$(basename "$1")"
}

# rfo_remove NAME: stop and remove a replica (quietly, for cleanups).
rfo_remove() {
	[ -d "$RFO_ROOT/replicas/$1" ] && ms_write "$1" "$RFO_ROOT/remove" 2>/dev/null
	return 0
}

# rfo_setup DIR ROLE PEER [EPOCH_MS [SOURCE]]: set a stopped replica's
# role, peer (IPV4:PORT) and epoch length (default 10), and a primary's
# source address (default: none, the route decides). On the one-host pair
# leave it empty: the destination is a local address, so rdma_cm puts both
# ends on rxe_vb and rxe loops the packets back inside that device (as
# rping does). With source 10.77.0.1 the connection is bound to rxe_va,
# whose packets to a local address go through lo, where no rxe device
# receives them: the lab's first run timed out (-110) that way.
#
# timeout_ms is RFO_TIMEOUT_MS (default 5000, not the module's 1000): under
# TCG one batch round trip across the two lab hosts can take over a second
# while a full-rate writer dirties the file, and a lab run saw the standby
# declare the primary lost (1076 ms after its last message) five times in
# 40 s of healthy replication.
rfo_setup() {
	local src=${5:-}
	ms_write "$2" "$1/role" && ms_write "$3" "$1/peer" &&
		ms_write "${4:-10}" "$1/epoch_ms" &&
		ms_write "${RFO_TIMEOUT_MS:-5000}" "$1/timeout_ms" || return 1
	if [ "$2" = primary ] && [ -e "$1/source" ]; then
		ms_write "$src" "$1/source" || return 1
	fi
	return 0
}

rfo_cmd() { ms_write "$2" "$1/command"; }

# rfo_state DIR
rfo_state() { cat "$1/state" 2>&1; }

# rfo_wait_state DIR 'STATE[|STATE...]' [SECS]: wait (default 30 s) until
# DIR/state is one of them; on timeout say what it was.
rfo_wait_state() {
	local dir=$1 want=$2 end=$((SECONDS + ${3:-30} + 1)) s
	while :; do
		s=""
		read -r s < "$dir/state" 2>/dev/null
		case "|$want|" in *"|$s|"*) return 0 ;; esac
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "$dir/state is '$(cat "$dir/state" 2>&1)' after ${3:-30}s, wanted $want"
	return 1
}

# rfo_stat DIR NAME: one counter of stats/ (empty if missing)
rfo_stat() { cat "$1/stats/$2" 2>/dev/null; }

# rfo_gauge DIR NAME: one gauge of the replica's directory, last_* or
# dirty_pages (empty if missing)
rfo_gauge() { cat "$1/$2" 2>/dev/null; }

# rfo_wait_stat_ge DIR NAME VALUE [SECS]: wait (default 30 s) until the
# counter reaches VALUE.
rfo_wait_stat_ge() {
	local dir=$1 name=$2 want=$3 end=$((SECONDS + ${4:-30} + 1)) v
	while :; do
		v=""
		read -r v < "$dir/stats/$name" 2>/dev/null
		[ -n "$v" ] && [ "$v" -ge "$want" ] && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "$dir/stats/$name is '$(cat "$dir/stats/$name" 2>&1)' after ${4:-30}s, wanted >= $want"
	return 1
}

# rfo_wait_quiet DIR [STABLE_S [MAX_S [AFTER]]]: wait until
# DIR/stats/nr_epochs has not changed for STABLE_S seconds (default 2) plus
# twice the last epoch's latency (across the lab hosts an epoch under a
# full-rate writer took 4 s, and 8 s on a loaded machine), at most MAX_S
# (60): once the writers stopped, the epoch in flight and the one holding
# their last writes are committed, and epochs without a written page are
# not sent, so the count stands still. With AFTER, the count must first
# pass AFTER (the count read before the writer stopped: the epoch holding
# its last writes has yet to commit), however long the epochs take within
# MAX_S. Prints the count.
rfo_wait_quiet() {
	local dir=$1 stable=${2:-2} end=$((SECONDS + ${3:-60})) after=${4:--1} n last since=$SECONDS lat
	read -r last < "$dir/stats/nr_epochs"
	while [ "$SECONDS" -lt "$end" ]; do
		sleep 0.2
		read -r n < "$dir/stats/nr_epochs"
		lat=0
		read -r lat < "$dir/last_epoch_latency_us"
		if [ "$n" != "$last" ] || [ "$n" -le "$after" ]; then
			last=$n since=$SECONDS
		elif [ $((SECONDS - since)) -gt $((stable + 2 * ${lat:-0} / 1000000)) ]; then
			echo "$n"
			return 0
		fi
	done
	echo "$last"
	return 1
}

# rfo_stats_line DIR: the replica's state, epoch, gauges and counters on
# one line
rfo_stats_line() {
	local f line="state=$(cat "$1/state" 2>&1) epoch=$(cat "$1/epoch" 2>&1)"
	for f in "$1"/last_* "$1"/dirty_pages "$1"/stats/*; do
		[ -e "$f" ] && line="$line ${f##*/}=$(cat "$f" 2>&1)"
	done
	echo "$line"
}

# rfo_writer_start FILE WORKDIR: the records writer on FILE, logging to
# WORKDIR/log every 65536 records and its progress to WORKDIR/prog; sets
# RFO_WRITER_PID once the writer has started writing.
rfo_writer_start() {
	rm -f "$2/log" "$2/prog" "$2/ready"
	"$RFO_RECORDS" write "$1" --log "$2/log" --progress "$2/prog" \
		--ready-file "$2/ready" > "$2/writer.out" 2>&1 &
	RFO_WRITER_PID=$!
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		[ -s "$2/ready" ] && return 0
		kill -0 "$RFO_WRITER_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the writer did not start: $(cat "$2/writer.out")"
	return 1
}

# ---- the peer lab host ----

# rfo_have_peer: 0 if this lab host has a peer (lab-run --peer).
rfo_have_peer() { [ -s /run/lab-peer-dev ]; }

# rfo_peer_dev: this host's netdev on the peer link
rfo_peer_dev() { cat /run/lab-peer-dev; }

# peer_run CMD: run CMD (a bash command line) on the peer lab host through
# its agent (selftests/rdma_failover/peer-agent.sh), in the repo directory,
# with selftests/lib/{tap,memsched,rdma}.sh sourced; print its output
# (stdout and stderr) and return its exit status. 255: the agent did not
# answer (no peer, or it is gone). PEER_TIMEOUT (default 300 s) bounds it.
peer_run() {
	local out rc
	out=$(printf '%s\n' "$(printf '%s' "$1" | base64 -w0)" |
		timeout "${PEER_TIMEOUT:-300}" socat -t "${PEER_TIMEOUT:-300}" - \
			"TCP:$RFO_B_IP:$RFO_AGENT_PORT,connect-timeout=5" 2>/dev/null)
	rc=$(printf '%s\n' "$out" | sed -n 's/^__PEER_RC=\([0-9]*\)$/\1/p' | tail -n 1)
	printf '%s\n' "$out" | grep -v '^__PEER_RC=' | sed '${/^$/d}'
	[ -n "$rc" ] || return 255
	return "$rc"
}

# rfo_require_peer [SECS]: skip the whole test when this host has no peer;
# else wait (default 300 s: the peer boots and loads its modules under TCG
# at the same time as this host) until its agent answers; fail the whole
# test if it never does.
rfo_require_peer() {
	local secs=${1:-300} end
	rfo_have_peer || tap_skip_all "no peer lab host (make check runs the lab with --peer 'bash selftests/rdma_failover/peer-agent.sh')"
	end=$((SECONDS + secs))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(PEER_TIMEOUT=20 peer_run 'cat /run/peer-agent.ready' 2>/dev/null)" = ready ] && return 0
		sleep 1
	done
	echo "1..0 # the peer host's agent did not answer on $RFO_B_IP:$RFO_AGENT_PORT within ${secs}s: $(PEER_TIMEOUT=20 peer_run 'cat /run/peer-agent.ready; cat /run/peer-agent.err' 2>&1)"
	exit 1
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The peer lab host's agent, for the two-host rdma_failover tests:
#   tools/lab/lab-run --peer 'bash selftests/rdma_failover/peer-agent.sh' -- ...
# On the peer (169.254.77.2) it
#   - puts an rxe device, rxe0, on the peer link's netdev (/run/lab-peer-dev),
#   - loads memsched and rdma_failover and mounts memschedfs at RFO_MNT,
#   - writes "ready" (or what failed) to /run/peer-agent.ready,
#   - serves peer_run (selftests/lib/rdma.sh) on 169.254.77.2:7177 until
#     /run/peer-agent.stop appears, lab-run touches LAB_OUT/stop (this host's
#     run directory: the first host's command ended), or the host powers
#     off (failover_poweroff.sh does that on purpose).
# Each connection carries one base64 line: a bash command line, run in the
# repo with tap.sh, memsched.sh and rdma.sh sourced, stdin /dev/null,
# stdout and stderr captured; the answer is its output, then
# "__PEER_RC=<status>". Commands share no shell state: keep state in
# files (under /run/peer) and pids in files.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

if [ "${1:-}" = --serve-one ]; then
	read -r line || exit 0
	cmd=$(printf '%s' "$line" | base64 -d 2>/dev/null) || { echo "__PEER_RC=254"; exit 0; }
	out=$(mktemp /run/peer/out.XXXXXX)
	(
		cd "$repo" || exit 1
		. selftests/lib/tap.sh
		. selftests/lib/memsched.sh
		. selftests/lib/rdma.sh
		eval "$cmd"
	) < /dev/null > "$out" 2>&1
	rc=$?
	cat "$out"
	rm -f "$out"
	echo "__PEER_RC=$rc"
	exit 0
fi

. "$repo/selftests/lib/tap.sh"
. "$repo/selftests/lib/memsched.sh"
. "$repo/selftests/lib/rdma.sh"
mkdir -p /run/peer
stop=/run/peer-agent.stop
rm -f "$stop" /run/peer-agent.ready
log() { echo "peer-agent: $*"; }

setup() {
	local dev
	dev=$(cat /run/lab-peer-dev 2>/dev/null) || { echo "no /run/lab-peer-dev"; return 1; }
	modprobe -a rdma_rxe rdma_ucm ib_uverbs || { echo "modprobe rdma_rxe failed"; return 1; }
	rfo_rxe_add rxe0 "$dev" || return 1
	rfo_load || { echo "loading memsched/rdma_failover failed: $(dmesg | tail -n 5)"; return 1; }
	rfo_mount || { echo "mounting memschedfs at $RFO_MNT failed"; return 1; }
}

if err=$(setup 2>&1); then
	echo ready > /run/peer-agent.ready
	log "ready: rxe0 on $(cat /run/lab-peer-dev), memschedfs at $RFO_MNT, serving on $RFO_B_IP:$RFO_AGENT_PORT"
else
	echo "setup failed: $err" > /run/peer-agent.ready
	echo "$err" > /run/peer-agent.err
	log "setup failed: $err (serving anyway, so that tests can say why)"
fi

# -t: after peer_run's half-close, wait for the command's whole answer
# (socat's default, 0.5 s, cut answers short under TCG: "Broken pipe").
socat -t 3600 "TCP-LISTEN:$RFO_AGENT_PORT,bind=$RFO_B_IP,reuseaddr,fork" \
	EXEC:"bash $here/peer-agent.sh --serve-one" &
socat_pid=$!
# Until told to stop (touch /run/peer-agent.stop), or the first host's run
# ended (lab-run touches this host's LAB_OUT/stop), or socat died.
lab_out=$(sed -n 's/.*LAB_OUT=\([^ ]*\).*/\1/p' /proc/cmdline)
why=""
while [ -z "$why" ]; do
	sleep 1
	if [ -e "$stop" ]; then
		why="asked to"
	elif [ -n "$lab_out" ] && [ -e "$lab_out/stop" ]; then
		why="the first host's run ended"
	elif ! kill -0 "$socat_pid" 2>/dev/null; then
		why="socat exited"
	fi
done
log "stopping: $why"
kill "$socat_pid" 2>/dev/null
wait "$socat_pid" 2>/dev/null
rfo_unload
rfo_umount
exit 0

# SPDX-License-Identifier: GPL-2.0
# Helpers for the lab's own tests (sourced, not executed).

# in_session SIDFILE CMD...: run CMD in a session of its own, whose id goes
# to SIDFILE; return CMD's status.
in_session() {
	local sidfile=$1
	shift
	setsid -w bash -c 'echo $$ > "$1"; shift; exec "$@"' sh "$sidfile" "$@"
}

# session_left SIDFILE: the processes still in that session a second after
# its leader returned, one per line (a zombie awaiting its reaper holds
# nothing open: not listed).
session_left() {
	sleep 1
	ps -o pid=,stat=,args= -s "$(cat "$1")" | awk '$2 !~ /^Z/'
}

# Sourced inside both guests of a pair after tests/lib/guest.sh: one
# client/server tool run at a time, both guests in lockstep. The caller sets
# srv (the server's address), out (where results go) and port (the last
# port used; each step takes the next).
#
# step NAME COMMAND...: the server runs COMMAND as given; the client adds
# the server address where the tool wants it ($SRV) and starts once the
# server's tool listens. @PORT@ is the step's port; @SERVER...@ and
# @CLIENT...@ enclose one role's arguments. With CONNECTS=server the guests
# swap roles.
#
# Under TCG a tool occasionally hangs or fails one side of a connection, so
# every attempt ends with both guests exchanging their results (on VPORT)
# and both retry together, each attempt on fresh ports: a killed tool can
# leave its port bound for a while. The connecting side's tools check the
# data; a listening tool still running GRACE s after its peer finished
# cleanly is stopped and its half counted as done (fio's rdma server at
# times never notices the end of a run its client completed).
uptime_s() {
	cut -d" " -f1 /proc/uptime
}

step() {
	name=$1
	shift
	connector=${CONNECTS:-client}
	port=$((port + 1))
	peer=$srv
	[ "$FLASHNET_ROLE" = server ] && peer=$FLASHNET_CLIENT_IP
	i=0
	while [ $i -lt "${STEP_TRIES:-3}" ]; do
		i=$((i + 1))
		p=$((port + 100 * (i - 1)))
		vport=$((p + 50))
		rport=$((p + 60))
		if [ "$FLASHNET_ROLE" = server ]; then
			cmd=$(echo "$*" | sed -e "s/@PORT@/$p/g" \
				-e 's/@CLIENT[^@]*@//g' -e 's/@SERVER\([^@]*\)@/\1/g')
		else
			cmd=$(echo "$*" | sed -e "s/@PORT@/$p/g" \
				-e 's/@SERVER[^@]*@//g' -e "s/@CLIENT\([^@]*\)@/\1/g" \
				-e "s/\\\$SRV/$srv/g")
		fi
		echo "== $name ($FLASHNET_ROLE, attempt $i, t=$(uptime_s)): $cmd"
		if [ "$FLASHNET_ROLE" = "$connector" ]; then
			step_connect "$cmd"
		else
			step_listen "$cmd"
		fi
		[ "$mine" = 0 ] || tail -c 600 "$out/$name.txt"
		if [ "$mine" = 0 ] && [ "$theirs" = 0 ]; then
			return 0
		fi
		echo "== $name: this side ${mine}, peer ${theirs:-silent}, t=$(uptime_s)"
	done
	fail "$name failed on the $FLASHNET_ROLE"
}

step_timeout=${STEP_TIMEOUT:-180}

# The listening side says when its tool listens (on port RPORT); nobody
# probes the RDMA port itself.
step_connect() {
	recv_word_start $rport "$out/$name.ready" "$step_timeout"
	recv_word_wait
	if [ "$word" = ready ]; then
		timeout -k 10 "$step_timeout" sh -c "$1" >"$out/$name.txt" 2>&1
		mine=$?
	else
		echo "== $name: nothing listens on $peer:$p" >"$out/$name.txt"
		mine=1
	fi
	recv_word_start $vport "$out/$name.verdict" 120
	send_word "$peer" $vport $mine 60 || echo "== $name: peer never listened"
	recv_word_wait
	theirs=$word
}

# The listening tool runs in the background while this side waits for the
# connecting side's verdict; a clean peer verdict arms the GRACE watchdog,
# a failed one stops the tool at once.
step_listen() {
	recv_word_start $vport "$out/$name.verdict" $((2 * step_timeout + 60))
	timeout -k 10 "$step_timeout" sh -c "$1" >"$out/$name.txt" 2>&1 &
	tool=$!
	ready=ready
	wait_for_local_listen $p 120 $tool || ready=none
	send_word "$peer" $rport $ready 60 || echo "== $name: peer never asked"
	recv_word_wait
	theirs=$word
	stopped=$out/$name.stopped
	rm -f "$stopped"
	dog=
	if [ "$theirs" = 0 ]; then
		(
			n=0
			while ! process_ended $tool; do
				n=$((n + 1))
				[ $n -le "${GRACE:-30}" ] || { touch "$stopped"; kill $tool; }
				sleep 1
			done
		) >/dev/null 2>&1 &
		dog=$!
	else
		kill $tool 2>/dev/null	# the attempt is lost: retry together
	fi
	wait $tool
	mine=$?
	[ -z "$dog" ] || wait $dog
	if [ -e "$stopped" ]; then
		echo "== $name: still running ${GRACE:-30} s after the peer finished cleanly; stopped"
		mine=0
	fi
	send_word "$peer" $vport $mine 60 || echo "== $name: peer never listened"
}

# wait_for_local_listen PORT [SECONDS [PID]]: until a TCP socket of this
# guest listens on PORT; gives up early once process PID has ended. An
# iWARP listener is a kernel TCP listener, so this tells an RDMA server it
# is ready without connecting to it. (Connecting to probe it is not
# harmless: upstream siw 6.1 oopsed in siw_destroy_listen here when a
# listener that had taken such a bare TCP connection was destroyed.)
wait_for_local_listen() {
	local hex tries=0
	hex=$(printf ':%04X ' "$1")
	until awk -v p="$hex" '$4 == "0A" && index($2 " ", p) { found = 1 }
		END { exit !found }' /proc/net/tcp /proc/net/tcp6; do
		tries=$((tries + 1))
		[ $tries -lt "${2:-120}" ] || return 1
		[ -z "$3" ] || ! process_ended "$3" || return 1
		sleep 1
	done
}

# process_ended PID: PID is gone, or a zombie its parent has not reaped yet
# (kill -0 cannot tell the latter from a live process).
process_ended() {
	case $(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) in
	'' | Z) return 0 ;;
	esac
	return 1
}

# Pair verdicts: each side of a two-guest step tells the other how its half
# ended, so both retry or move on together. recv_word_start PORT FILE
# [SECONDS] starts a one-shot listener in the background, before the peer
# can send, that gives up after SECONDS; send_word IP PORT WORD [SECONDS]
# retries until the peer listens; recv_word_wait sets $word to what arrived,
# or to nothing. Run it in the shell that started the listener, not in
# $(...): only the parent can wait for (and reap) the listener.
recv_word_start() {
	recv_file=$2
	: >"$recv_file"
	timeout "${3:-120}" busybox nc -l -p "$1" >"$recv_file" 2>/dev/null &
	recv_pid=$!
}

send_word() {
	local tries=0
	until echo "$3" | busybox nc -w 3 "$1" "$2" 2>/dev/null; do
		tries=$((tries + 1))
		[ $tries -lt "${4:-120}" ] || return 1
		sleep 1
	done
}

recv_word_wait() {
	wait "$recv_pid"
	word=$(tr -d '\n' <"$recv_file")
}

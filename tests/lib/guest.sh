# Sourced inside guests by test scripts.

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Path of a FlashNet module built for the running kernel.
flashnet_kmod() {
	ko=${FLASHNET_KMOD_DIR:?}/$(uname -r)/$1
	[ -e "$ko" ] || fail "$ko not built (make modules / make modules-debug)"
	echo "$ko"
}

# Upstream siw, the reference peer: the debug kernel has it as a module;
# for Debian's kernel it is built out of tree (FLASHNET_SIW_REFERENCE).
load_siw_reference() {
	modprobe ib_uverbs && modprobe rdma_ucm || fail "RDMA core modules"
	if ! modprobe siw 2>/dev/null; then
		modprobe ib_core && modprobe libcrc32c || fail "siw dependencies"
		insmod "${FLASHNET_SIW_REFERENCE:?}/siw.ko" || fail "insmod siw"
	fi
	rdma link add siw0 type siw netdev "${1:-eth0}" || fail "rdma link add"
}

# wait_for_local_listen PORT [SECONDS [PID]]: until a TCP socket of this
# guest listens on PORT; gives up early once process PID has ended. An iWARP listener is a kernel TCP listener, so this tells
# an RDMA server it is ready without connecting to it. (Connecting to probe
# it is not harmless: upstream siw 6.1 oopsed in siw_destroy_listen here
# when a listener that had taken such a bare TCP connection was destroyed.)
wait_for_local_listen() {
	local hex tries=0
	hex=$(printf ':%04X ' "$1")
	until awk -v p="$hex" '$4 == "0A" && index($2 " ", p)' \
		/proc/net/tcp /proc/net/tcp6 | grep -q .; do
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

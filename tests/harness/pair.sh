#!/bin/sh
# Two guests on the private link at fixed addresses: a message sent from
# the client reaches the server; both results come back; when one guest
# fails the other is stopped instead of running into its timeout.
. "$(dirname "$0")/../lib/host.sh"

expect_status 0 "$VM" pair --timeout 240 --log-dir "$LOGS/talk" \
	--server 'ip -4 addr show eth0 | grep -q "inet $FLASHNET_SERVER_IP/24" || exit 11
		  busybox nc -l -p 7000 >"$FLASHNET_OUT/message"' \
	--client 'busybox ping -c 2 -W 5 "$FLASHNET_SERVER_IP" >/dev/null || exit 12
		  for i in $(seq 60); do
			echo "hello from $FLASHNET_ROLE" | busybox nc "$FLASHNET_SERVER_IP" 7000 && exit 0
			sleep 1
		  done
		  exit 13'
[ "$(cat "$LOGS/talk/server.job/out/message")" = "hello from client" ] ||
	fail "message did not cross the link"

start=$(date +%s)
expect_status 3 "$VM" pair --timeout 600 --log-dir "$LOGS/early" \
	--server 'sleep 1000' --client 'exit 3'
[ $(($(date +%s) - start)) -lt 120 ] || fail "server was not stopped"
grep -q "flashnet-vm: stopped" "$LOGS/early/server.log" || fail "server not marked stopped"
expect_no_qemu "$LOGS/early"

#!/bin/sh
# The accelerator is probed once (a short boot) and the answer cached.
. "$(dirname "$0")/../lib/host.sh"

first=$("$VM" probe-kvm) || fail "probe failed"
case $first in kvm | tcg) ;; *) fail "probe said '$first'" ;; esac
if [ ! -e /dev/kvm ]; then
	[ "$first" = tcg ] || fail "kvm chosen without /dev/kvm"
fi
start=$(date +%s)
second=$("$VM" probe-kvm)
[ "$second" = "$first" ] || fail "probe changed its mind: $first then $second"
[ $(($(date +%s) - start)) -lt 3 ] || fail "second probe was not cached"
[ "$(FLASHNET_ACCEL=tcg "$VM" probe-kvm)" = tcg ] || fail "FLASHNET_ACCEL ignored"

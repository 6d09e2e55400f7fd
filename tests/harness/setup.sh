#!/bin/sh
# The set-up step calls apt-get only for packages that are missing, and
# only for those.
set -u
. "$(dirname "$0")/../lib/common.sh"
cat >"$tmp/apt-get" <<'EOT'
#!/bin/sh
echo "$*" >>"$(dirname "$0")/calls"
EOT
cat >"$tmp/sudo" <<'EOT'
#!/bin/sh
exec "$@"
EOT
chmod +x "$tmp/apt-get" "$tmp/sudo"

PATH=$tmp:$PATH "$root/tools/setup/setup.sh" || fail "set-up failed with all installed"
[ ! -e "$tmp/calls" ] || fail "apt-get called with everything installed: $(cat "$tmp/calls")"

printf '# test list\ncoreutils\nflashnet-no-such-package\n' >"$tmp/list"
PATH=$tmp:$PATH "$root/tools/setup/setup.sh" "$tmp/list" 2>/dev/null ||
	fail "set-up failed installing a missing package"
grep -q "^install .* flashnet-no-such-package$" "$tmp/calls" ||
	fail "missing package not installed: $(cat "$tmp/calls")"
grep -q "coreutils" "$tmp/calls" && fail "installed package reinstalled"
exit 0

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the VM runner itself, printed as TAP.  Boots four guests.
#
# Usage: selftests/vm/selftest.sh [RUN OPTION]...
#
# The options (e.g. -k IMAGE, -d KDIR) are passed to every run; without -d,
# $KDIR from the environment is used if set.  Logs are kept in
# .build/vm/RELEASE/selftest/.

set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
run=$here/run
opts=(${KDIR:+-d "$KDIR"} "$@")

n=0
failed=0

# result STATUS NAME: one test, passed if STATUS is 0.
result()
{
	n=$((n + 1))
	if (($1 == 0)); then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

# show FILE: a log, as TAP comments.
show()
{
	sed 's/^/# /' "$1"
}

# vm LOG RUN-ARG...: boot a guest, its console and messages going to LOG.
vm()
{
	local log=$1

	shift
	"$run" "${opts[@]}" "$@" >"$log" 2>&1
}

echo "TAP version 13"
echo "1..9"

if ! config=$("$run" "${opts[@]}" -p); then
	echo "Bail out! selftests/vm/run -p failed"
	exit 1
fi
kdir=''
out=''
eval "$config"
work=$out/selftest
rm -rf "$work"
mkdir -p "$work"

# Two checks on the host alone.
"$run" --help >"$work/help.log" 2>&1
status=$?
((status == 0)) && grep -q -- '-t SECONDS' "$work/help.log" &&
	grep -q 'runas-user' "$work/help.log" &&
	grep -q '^Exit status' "$work/help.log"
result $? "--help documents the runner and exits 0"

touch "$work/vmlinuz-0.0-none"
"$run" -k "$work/vmlinuz-0.0-none" -- true >"$work/nokdir.log" 2>&1
status=$?
((status == 2)) && [[ $(wc -l <"$work/nokdir.log") == 1 ]] &&
	grep -q '^vm: no /lib/modules/0.0-none/build or /usr/src/linux-headers-0.0-none' \
		"$work/nokdir.log"
result $? "no build dir for the kernel: one clear line, no boot"
((status == 2)) || show "$work/nokdir.log"

# A clean command exits 0, and runas-user drops to uid 1000.
vm "$work/clean.log" -n -- runas-user id -u
status=$?
((status == 0))
result $? "a clean command exits 0"
grep -qx 1000 "$work/clean.log"
result $? "runas-user runs as uid 1000"
((status == 0)) || show "$work/clean.log"

# The exit status and the arguments reach the guest unchanged.
vm "$work/status.log" -n -- sh -c 'echo "a  b"; exit 3'
status=$?
((status == 3))
result $? "the command's exit status 3 is propagated"
grep -qx 'a  b' "$work/status.log"
result $? "arguments reach the guest unchanged"
((status == 3)) || show "$work/status.log"

# A kernel warning fails a run whose command succeeded.  The one-argument
# form of COMMAND is a shell command line.
mkdir -p "$work/warn_test" "$work/add"
: >"$work/warn.log"
cp -a "$here/warn_test/." "$work/warn_test/"
if make -C "$kdir" M="$work/warn_test" modules >"$work/warn_test.log" 2>&1; then
	cp "$work/warn_test/cw_warn_test.ko" "$work/add/"
	vm "$work/warn.log" -n -a "$work/add" -- \
		'insmod /add/cw_warn_test.ko && echo inserted'
	status=$?
	cp "$out/status" "$work/warn.status"
else
	status=
	show "$work/warn_test.log"
fi
[[ $status == 1 ]] && grep -qx inserted "$work/warn.log" &&
	grep -qx 0 "$work/warn.status"
result $? "a kernel warning fails the run though the command succeeded"
grep -q '^vm: kernel reported a problem: .*WARNING: .*cw_warn_test' \
	"$work/warn.log"
result $? "the warning is reported"
[[ $status == 1 ]] || show "$work/warn.log"

# A hung guest is killed at the timeout.
vm "$work/hang.log" -n -t 20 -- sleep 1000
status=$?
((status != 0)) && grep -q '^vm: timed out after 20 s' "$work/hang.log"
result $? "a hung guest is killed at the timeout"
((status != 0)) || show "$work/hang.log"

echo "# $((n - failed)) of $n passed"
((failed == 0))

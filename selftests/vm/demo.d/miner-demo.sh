#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in the guest: the same miner stand-in dropped into /tmp and
# installed in /usr/local/bin, started side by side.
P=/sys/module/cpuwarden/parameters

say() { printf '%s\n' "$*"; }

say "=== cpuwarden demo ==="
echo kill > $P/mode
echo 50 > $P/threshold
echo 5 > $P/sustain
say "policy: mode=$(cat $P/mode) threshold=$(cat $P/threshold)% of a CPU sustain=$(cat $P/sustain)s watch=$(cat $P/watch)"

mkdir -p /usr/local/bin
cp /selftests/cw-burn /tmp/.kworker		# dropped by an intruder
cp /selftests/cw-burn /usr/local/bin/render	# installed by the admin
chmod 755 /tmp/.kworker /usr/local/bin/render
say "two identical programs (sha256 $(sha256sum /tmp/.kworker | cut -c1-16)...):"
say "  /tmp/.kworker          a miner, dropped into /tmp"
say "  /usr/local/bin/render  the same bytes, installed by the admin"
say ""

/tmp/.kworker & miner=$!
/usr/local/bin/render & twin=$!
start=$(date +%s)
say "started both at 100% CPU: miner pid $miner, twin pid $twin; waiting..."

while kill -0 $miner 2>/dev/null && [ $(($(date +%s) - start)) -lt 60 ]; do
	sleep 1
done
wait $miner 2>/dev/null
miner_status=$?
took=$(($(date +%s) - start))
sleep 2

say ""
say "after ${took}s:"
if [ $miner_status -eq 137 ]; then
	say "  /tmp/.kworker          KILLED by cpuwarden (SIGKILL)"
else
	say "  /tmp/.kworker          still running (exit status $miner_status)"
fi
if kill -0 $twin 2>/dev/null; then
	say "  /usr/local/bin/render  still running, untouched: $(cut -d' ' -f14 /proc/$twin/stat) ticks of CPU so far"
else
	say "  /usr/local/bin/render  NOT running"
fi
say ""
say "what the kernel logged:"
dmesg | grep 'cpuwarden:' | sed 's/^/  /'
say "=== end of demo ==="

ok=0
[ $miner_status -eq 137 ] && kill -0 $twin 2>/dev/null && ok=1
kill $twin 2>/dev/null
[ $ok -eq 1 ]

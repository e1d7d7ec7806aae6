#!/bin/sh
# A careless client: it leaves processes behind in every way it can, and
# writes their pids (its own first) to $SPANBENCH_TEST_PIDFILE.
#   SPANBENCH_TEST_LITTER=exit  fetch the command, then exit 0 (the default)
#   SPANBENCH_TEST_LITTER=hang  fetch the command, then never exit
pidfile=${SPANBENCH_TEST_PIDFILE:?}
: > "$pidfile.tmp"
trap '' TERM  # ignores SIGTERM, and so does everything it starts
echo $$ >> "$pidfile.tmp"
# A background child in its process group.
sleep 600 &
echo $! >> "$pidfile.tmp"
# A daemon: a new session, and its parent exits at once, so it is reparented.
setsid sh -c 'sleep 600 & echo $! >> "$1"' sh "$pidfile.tmp" &
# A child in a process group of its own.
perl -e 'setpgrp(0, 0); exec "sleep", "600"' &
echo $! >> "$pidfile.tmp"
while [ "$(wc -l < "$pidfile.tmp")" -lt 4 ]; do sleep 0.01; done
mv "$pidfile.tmp" "$pidfile"
if [ -n "$SPANBENCH_CONTROL_URL" ]; then curl -s "$SPANBENCH_CONTROL_URL" > /dev/null; fi
if [ "${SPANBENCH_TEST_LITTER:-exit}" = hang ]; then
  while :; do sleep 600; done
fi
exit 0

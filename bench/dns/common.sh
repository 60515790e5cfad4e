# bench/dns/common.sh: helpers bench/dns/run and bench/dns/forward share (sourced, not run).
# They expect "$work" and the array pids=() of processes to stop on exit.
# shellcheck shell=bash

# Every process below a PID, read from /proc before it is signalled (nsd forks its servers,
# inetd its in.dns, and neither always takes them along when it goes).
descendants() {
  local children
  children=$(cat /proc/"$1"/task/*/children 2>/dev/null || true)
  for child in $children; do echo "$child"; descendants "$child"; done
}
stop() { # stop PID: TERM it and its descendants, wait up to 5 s, then KILL what is left
  local all=("$1") left
  mapfile -t -O 1 all < <(descendants "$1")
  kill "${all[@]}" 2>/dev/null || true
  for _ in $(seq 50); do
    left=()
    for pid in "${all[@]}"; do kill -0 "$pid" 2>/dev/null && left+=("$pid"); done
    [ ${#left[@]} -eq 0 ] && break
    sleep 0.1
  done
  [ ${#left[@]} -gt 0 ] && kill -KILL "${left[@]}" 2>/dev/null
  wait "$1" 2>/dev/null || true
}


# A UDP port on 127.0.0.1 free right now. Each server has bound its port before the next port
# is picked, and wait_for_port checks the server's own PID holds it.
free_port() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
owns_port() { # owns_port PID PORT: PID holds the UDP socket bound to 127.0.0.1:PORT
  ss -Hlunp "( sport = :$2 )" | grep -q "pid=$1,"
}
wait_for_port() { # wait_for_port PID PORT LOG: up to 10 s; prints LOG and fails if never
  for _ in $(seq 200); do
    owns_port "$1" "$2" && return 0
    kill -0 "$1" 2>/dev/null || break
    sleep 0.05
  done
  echo "run: pid $1 did not bind 127.0.0.1:$2" >&2
  cat "$3" >&2
  return 1
}

figure() { sed -n "s/^ *$1: *\([0-9.]*\).*/\1/p" <<<"$2" | head -1; }
ticks() { # ticks PID: CPU of PID and its descendants, in clock ticks
  local pid
  # utime + stime + cutime + cstime: a child reaped meanwhile moves into its parent's c-fields.
  # The command name may hold spaces ("nsd: server 1"): fields are counted after its ')'.
  for pid in "$1" $(descendants "$1"); do cat /proc/"$pid"/stat 2>/dev/null || true; done |
    sed 's/.*) //' | awk '{ total += $12 + $13 + $14 + $15 } END { print total + 0 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# start_nsd PORT ZONE:FILE...: nsd in the foreground on 127.0.0.1@PORT serving each zone from
# $work/FILE, everything private to $work; its PID in nsd_pid (and pids). rrl-ratelimit 0: its
# default rate limit would cap one client near 1k QPS. minimal-responses: answer-only replies
# like in.dns's and dnsmasq's (no NS + glue appended to every answer).
start_nsd() {
  local zone
  mkdir -p "$work/nsd"
  {
    cat <<CONF
server:
  ip-address: 127.0.0.1@$1
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "$work"
  database: ""
  zonelistfile: "$work/nsd/zone.list"
  xfrdfile: "$work/nsd/xfrd.state"
  xfrdir: "$work/nsd"
  pidfile: "$work/nsd/nsd.pid"
  logfile: "$work/nsd/nsd.log"
  verbosity: 0
  rrl-ratelimit: 0
  minimal-responses: yes
remote-control:
  control-enable: no
CONF
    for zone in "${@:2}"; do printf 'zone:\n  name: %s\n  zonefile: %s\n' "${zone%%:*}" "${zone#*:}"; done
  } >"$work/nsd/nsd.conf"
  nsd -d -c "$work/nsd/nsd.conf" </dev/null >"$work/nsd/stderr" 2>&1 &
  nsd_pid=$!
  pids+=($!)
  wait_for_port $! "$1" "$work/nsd/stderr"
}

# Timing: measure runs ROUNDS rounds over "${servers[@]}", each server once per round, order
# rotating; a 1 s warm-up (not counted), then LENGTH s of dnsperf over $work/queries (-c
# CLIENTS, -q OUTSTANDING); the server's CPU time (its processes' utime + stime, inetd and
# in.dns for in.dns) is read around each run. Skips a server whose status is set.
declare -A sent completed lost runtime rcodes latency_sum cpu_ticks round_qps
perf() { # perf SERVER SECONDS: dnsperf's statistics
  dnsperf -s 127.0.0.1 -p "${port[$1]}" -d "$work/queries" -l "$2" -c "$clients" -q "$outstanding" 2>&1
}
measure() {
  local round i server before out done_now seconds
  for ((round = 0; round < rounds; round++)); do
    for ((i = 0; i < ${#servers[@]}; i++)); do
      server=${servers[(i + round) % ${#servers[@]}]}
      [ -n "${status[$server]:-}" ] && continue
      perf "$server" 1 >/dev/null
      before=$(ticks "${server_pid[$server]}")
      out=$(perf "$server" "$length")
      cpu_ticks[$server]=$(( ${cpu_ticks[$server]:-0} + $(ticks "${server_pid[$server]}") - before ))
      done_now=$(figure "Queries completed" "$out")
      seconds=$(figure "Run time (s)" "$out")
      sent[$server]=$(( ${sent[$server]:-0} + $(figure "Queries sent" "$out") ))
      completed[$server]=$(( ${completed[$server]:-0} + done_now ))
      lost[$server]=$(( ${lost[$server]:-0} + $(figure "Queries lost" "$out") ))
      runtime[$server]=$(awk -v a="${runtime[$server]:-0}" -v b="$seconds" 'BEGIN { print a + b }')
      latency_sum[$server]=$(awk -v a="${latency_sum[$server]:-0}" -v l="$(figure "Average Latency (s)" "$out")" \
        -v n="$done_now" 'BEGIN { print a + l * n }')
      rcodes[$server]=$(sed -n 's/^ *Response codes: *//p' <<<"$out" | sed 's/ ([0-9.]*%)//g')
      round_qps[$server,$round]=$(awk -v n="$done_now" -v t="$seconds" 'BEGIN { printf "%.0f", n / t }')
    done
  done
}

clock_ticks=$(getconf CLK_TCK)
qps() { awk -v n="${completed[$1]}" -v t="${runtime[$1]}" 'BEGIN { printf "%.0f", n / t }'; }
cpu_per_query() { # µs of server CPU per completed query
  awk -v c="${cpu_ticks[$1]}" -v hz="$clock_ticks" -v n="${completed[$1]}" \
    'BEGIN { if (n > 0) printf "%.2f", c * 1e6 / hz / n; else print "n/a" }'
}
# table BASE: QPS, lost, latency, CPU per query of each server, QPS and CPU as ratios to BASE's.
table() {
  local base=$1 base_qps= base_cpu= server q cpu
  [ -z "${status[$base]:-}" ] && base_qps=$(qps "$base") && base_cpu=$(cpu_per_query "$base")
  printf '%-12s %10s %8s %8s %9s %10s %8s  %s\n' server QPS "lost %" "QPS/$base" "lat. µs" "CPU µs/q" "CPU/$base" \
    "response codes (last round)"
  for server in "${servers[@]}"; do
    if [ -n "${status[$server]:-}" ]; then
      printf '%-12s %s\n' "$server" "${status[$server]}"
      continue
    fi
    q=$(qps "$server")
    cpu=$(cpu_per_query "$server")
    printf '%-12s %10s %7s%% %7sx %8s %9s %7sx  %s%s\n' "$server" "$q" \
      "$(awk -v l="${lost[$server]}" -v s="${sent[$server]}" 'BEGIN { printf "%.2f", s ? 100 * l / s : 0 }')" \
      "$(ratio "$q" "${base_qps:-0}")" \
      "$(awk -v s="${latency_sum[$server]}" -v n="${completed[$server]}" 'BEGIN { printf "%.0f", n ? s * 1e6 / n : 0 }')" \
      "$cpu" "$(ratio "$cpu" "${base_cpu:-0}")" \
      "${rcodes[$server]}" "${failed[$server]:+ (FAILED the checks above)}"
  done
}

# compare SERVER BASE [GOAL]: SERVER's QPS over BASE's, the goal, lost queries, each round's ratio,
# and BASE's CPU per query over SERVER's.
compare() {
  local per_round= round
  if [ -n "${status[$1]:-}" ] || [ -n "${status[$2]:-}" ]; then
    echo "$1 / $2 = n/a: $1 ${status[$1]:-ran}; $2 ${status[$2]:-ran}"
    return
  fi
  for ((round = 0; round < rounds; round++)); do
    per_round+=" $(ratio "${round_qps[$1,$round]}" "${round_qps[$2,$round]}")"
  done
  echo "$1 / $2 = $(ratio "$(qps "$1")" "$(qps "$2")")x (${3:+goal $3 with no lost queries; }lost" \
    "${lost[$1]} of ${sent[$1]}); per round:$per_round"
  echo "server CPU per query $2 / $1 = $(ratio "$(cpu_per_query "$2")" "$(cpu_per_query "$1")")x (higher is better for $1)"
}

#!/usr/bin/env bash
# A real one-node Slurm cluster for tests and for trying sbatch by hand, started as root without
# systemd. All its state lives in DIR: slurm.conf, spool and state folders, logs, pid files, the
# munge key, socket and log, and the job-completion file (jobcomp/filetxt, which keeps exit codes).
#
# Usage: scripts/slurm-local.sh start DIR   start munged, slurmctld, slurmd; wait until the node is idle
#        scripts/slurm-local.sh env DIR     print the exports a caller needs (eval "$(... env DIR)")
#        scripts/slurm-local.sh stop DIR    cancel its jobs, scontrol shutdown, wait on each daemon by
#                                           pid, stop munged and any job step left
#
# start and stop are idempotent: start on a running cluster and stop on a stopped one say so and
# succeed. With SLURM_LOCAL_OWNER=PID (a test's own pid), start also leaves a watchdog outside the
# caller's process tree that stops the cluster once PID is gone: ctest kills a test that runs past
# its timeout with SIGKILL, so the test's own trap never runs. start first stops what is left of
# such clusters whose owner is gone (in any folder: found through /proc), so the ports are free. Ports: SLURM_LOCAL_CTLD_PORT (default 16817) and SLURM_LOCAL_SLURMD_PORT (default 16818),
# away from a real cluster's 6817/6818. Needs root and the Debian packages slurm-wlm and munge
# (scripts/install-deps.sh installs them). PID 1 in a container may not reap, so a stopped daemon
# can linger as a zombie: stop waits on each pid until it is gone or a zombie, never on names.
set -euo pipefail

prog=slurm-local
die() {
  echo "$prog: $*" >&2
  exit 1
}
usage() { die "usage: $0 start|stop|env DIR"; }

[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ -n "$dir" ]] || usage
case "$cmd" in start | stop | env | watch) ;; *) usage ;; esac
if [[ "$cmd" == start ]]; then
  mkdir -p "$dir" 2>/dev/null || die "cannot create $dir"
elif [[ ! -d "$dir" ]]; then
  [[ "$cmd" == env ]] && die "no cluster in $dir (run: $0 start $dir)"
  echo "$prog: no cluster running in $dir" >&2
  exit 0
fi
dir=$(cd "$dir" && pwd)
# slurm.conf has no quoting: a folder name with spaces or odd characters cannot be written in it.
[[ "$dir" =~ ^[A-Za-z0-9_./+-]+$ ]] ||
  die "the folder '$dir' has spaces or other characters slurm.conf cannot hold; use a plain path such as /tmp/cluster"
conf=$dir/slurm.conf
munge_socket=$dir/munge/munge.socket.2
timeout_s=${SLURM_LOCAL_TIMEOUT:-30}

print_env() {
  echo "export SLURM_CONF=$(printf '%q' "$conf")"
}

if [[ "$cmd" == env ]]; then
  [[ -f "$conf" ]] || die "no cluster in $dir (run: $0 start $dir)"
  print_env
  exit 0
fi

[[ $(id -u) -eq 0 ]] || die "must run as root (it starts munged and the Slurm daemons); try: sudo $0 $cmd $dir"
missing=()
for c in munged slurmctld slurmd sinfo sbatch scontrol setpriv; do
  command -v "$c" >/dev/null || missing+=("$c")
done
[[ ${#missing[@]} -eq 0 ]] ||
  die "missing ${missing[*]}: install Slurm and munge with scripts/install-deps.sh (or apt-get install -y slurm-wlm munge)"
id munge >/dev/null 2>&1 || die "no 'munge' user: reinstall munge (apt-get install --reinstall munge)"

export SLURM_CONF=$conf

# Is the process with this pid (read from a pid file) alive? A zombie counts as gone.
alive() {
  local pid=$1
  [[ -n "$pid" && -r /proc/$pid/stat ]] || return 1
  local state
  state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ "$state" != Z && "$state" != X ]]
}
pid_of() { if [[ -f "$1" ]]; then tr -dc '0-9' <"$1"; fi; }
# Wait until the pid is gone (or a zombie); after the timeout send SIGKILL and wait once more.
wait_gone() {
  local pid=$1 name=$2 i
  for ((i = 0; i < timeout_s * 10; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  echo "$prog: $name (pid $pid) did not stop within ${timeout_s}s; killing it" >&2
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  die "$name (pid $pid) is still running"
}

# "PID NAME DIR" for every munged, slurmctld, slurmd and slurmstepd of a slurm-local cluster, DIR
# being its folder (from munged's --pid-file, the daemons' SLURM_CONF). From /proc: a minimal
# Debian has no procps.
cluster_procs() {
  local p comm d
  for p in /proc/[0-9]*; do
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    case "$comm" in
      munged) d=$({ tr '\0' '\n' <"$p/cmdline"; } 2>/dev/null | sed -n 's|^--pid-file=\(.*\)/munge/munged\.pid$|\1|p') ;;
      slurmctld | slurmd | slurmstepd) d=$({ tr '\0' '\n' <"$p/environ"; } 2>/dev/null | sed -n 's|^SLURM_CONF=\(.*\)/slurm\.conf$|\1|p') ;;
      *) continue ;;
    esac
    if [[ -n "$d" ]] && alive "${p#/proc/}"; then echo "${p#/proc/} $comm $d"; fi
  done
}
# Stops, by pid, whatever process of the cluster in folder $1 is still there.
stop_procs_of() {
  local pid comm d
  while read -r pid comm d; do
    [[ "$d" == "$1" ]] || continue
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" "$comm"
  done < <(cluster_procs)
}

if [[ "$cmd" == watch ]]; then
  # The watchdog start leaves behind (see SLURM_LOCAL_OWNER): stops the cluster when its owner is
  # gone, unless the cluster was stopped (its folder removed) first.
  owner=$(pid_of "$dir/owner.pid")
  while [[ -f "$conf" ]] && alive "$owner"; do sleep 0.5; done
  if [[ -f "$conf" ]]; then "$0" stop "$dir"; fi
  exit 0
fi

if [[ "$cmd" == stop ]]; then
  ctld=$(pid_of "$dir/slurmctld.pid")
  sd=$(pid_of "$dir/slurmd.pid")
  md=$(pid_of "$dir/munge/munged.pid")
  if ! alive "$ctld" && ! alive "$sd" && ! alive "$md"; then
    echo "$prog: no cluster running in $dir" >&2
    exit 0
  fi
  if alive "$ctld" && [[ -f "$conf" ]]; then
    # Jobs first (a test stopped mid-run leaves tasks running), then slurmctld and every slurmd.
    mapfile -t jobs < <(squeue -h -o %i 2>/dev/null)
    if [[ ${#jobs[@]} -gt 0 ]]; then
      scancel "${jobs[@]}" >/dev/null 2>&1 || true
      for ((i = 0; i < 100; i++)); do
        [[ -z "$(squeue -h -o %i 2>/dev/null)" ]] && break
        sleep 0.1
      done
    fi
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  if alive "$ctld"; then wait_gone "$ctld" slurmctld; fi
  if alive "$sd"; then
    # slurmd stops on its own after scontrol shutdown; if slurmctld was already gone, ask directly.
    for ((i = 0; i < 50; i++)); do
      alive "$sd" || break
      sleep 0.1
    done
    if alive "$sd"; then kill -TERM "$sd" 2>/dev/null || true; fi
    wait_gone "$sd" slurmd
  fi
  if alive "$md"; then
    kill -TERM "$md" 2>/dev/null || true
    wait_gone "$md" munged
  fi
  stop_procs_of "$dir"  # a job step whose slurmd is gone
  rm -f "$dir/slurmctld.pid" "$dir/slurmd.pid" "$dir/munge/munged.pid" "$dir/owner.pid"
  echo "$prog: stopped the cluster in $dir" >&2
  exit 0
fi

# start
if alive "$(pid_of "$dir/slurmctld.pid")" || alive "$(pid_of "$dir/slurmd.pid")" ||
  alive "$(pid_of "$dir/munge/munged.pid")"; then
  if sinfo -h -o '%T' 2>/dev/null | grep -qx idle; then
    echo "$prog: a cluster is running in $dir already" >&2
    exit 0
  fi
  die "a cluster in $dir is partly running; stop it first: $0 stop $dir"
fi

# What earlier clusters left behind: one whose owner (SLURM_LOCAL_OWNER) is gone, e.g. a test
# killed at its timeout before its watchdog could act, or whose folder was deleted, is stopped;
# one started by hand, or whose owner still runs, is left alone (named, as its ports may clash).
declare -A seen=()
while read -r pid comm d; do
  [[ "$d" == "$dir" || -n "${seen[$d]:-}" ]] && continue
  seen[$d]=1
  owner=$(pid_of "$d/owner.pid")
  if [[ -f "$d/slurm.conf" ]] && { [[ -z "$owner" ]] || alive "$owner"; }; then
    echo "$prog: note: another local cluster runs in $d${owner:+ for process $owner}; if this one cannot start, stop it: $0 stop $d" >&2
    continue
  fi
  echo "$prog: stopping what is left of a cluster in $d (its owner is gone)" >&2
  if [[ -f "$d/slurm.conf" ]]; then "$0" stop "$d" >&2 || true; fi
  stop_procs_of "$d"
done < <(cluster_procs)

# A start that fails stops what it started (the logs stay in DIR) and says which log to read.
fail_start() {
  "$0" stop "$dir" >/dev/null 2>&1 || true
  die "$@"
}

# munged runs as the munge user: it must reach DIR and own its own folder.
chmod 755 "$dir"
mkdir -p "$dir/munge" "$dir/spool/ctld" "$dir/spool/d"
if [[ ! -f "$dir/munge/munge.key" ]]; then
  dd if=/dev/urandom of="$dir/munge/munge.key" bs=1 count=1024 status=none
fi
chown -R munge:munge "$dir/munge"
chmod 755 "$dir/munge"  # munged wants its socket folder searchable by all
chmod 400 "$dir/munge/munge.key"
# A fresh socket each time: a stale one from a killed munged makes it refuse to start.
rm -f "$munge_socket" "$munge_socket.lock"
setpriv --reuid=munge --regid=munge --init-groups \
  munged --socket="$munge_socket" --key-file="$dir/munge/munge.key" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
  --seed-file="$dir/munge/munged.seed" ||
  die "munged did not start; see $dir/munge/munged.log"

node_line=$(slurmd -C | head -n 1)
[[ "$node_line" == NodeName=* ]] || fail_start "slurmd -C printed no node line: $node_line"
node=${node_line#NodeName=}
node=${node%% *}
cat >"$conf" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster whose state is all in this folder.
ClusterName=sublab-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=${SLURM_LOCAL_CTLD_PORT:-16817}
SlurmdPort=${SLURM_LOCAL_SLURMD_PORT:-16818}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
MailProg=/bin/true
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MinJobAge=300
$node_line NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

# -c: a fresh controller state (no jobs left from an earlier cluster in this folder).
slurmctld -c || fail_start "slurmctld did not start; see $dir/slurmctld.log"
slurmd || fail_start "slurmd did not start; see $dir/slurmd.log"

for ((i = 0; i < timeout_s * 10; i++)); do
  if [[ "$(sinfo -h -n "$node" -o '%T' 2>/dev/null)" == idle ]]; then
    if [[ -n "${SLURM_LOCAL_OWNER:-}" ]]; then
      echo "$SLURM_LOCAL_OWNER" >"$dir/owner.pid"
      # In its own session, its output nowhere: ctest neither kills it with the test's process
      # tree nor waits for it.
      setsid "$0" watch "$dir" </dev/null >/dev/null 2>&1 &
    fi
    echo "$prog: cluster up in $dir (node $node); for sbatch/squeue: eval \"\$($0 env $dir)\"" >&2
    exit 0
  fi
  sleep 0.1
done
state=$(sinfo -h -o '%T' 2>&1 | head -n 1)
fail_start "the node did not become idle within ${timeout_s}s (sinfo: $state); stopped it again;" \
  "see $dir/slurmctld.log, $dir/slurmd.log and $dir/munge/munged.log"

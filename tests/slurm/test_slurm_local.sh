#!/usr/bin/env bash
# ctest slurm/test_slurm_local: starts a real one-node Slurm cluster with scripts/slurm-local.sh in
# a temporary folder, runs a 2-task job array (task 1 exits 3) with sbatch --wait and a job that
# depends on it, checks files, exit codes (sbatch, scontrol, the jobcomp file) and the order, then
# stops the cluster and checks that no slurm or munge process is left. Exits 77 (ctest: skipped)
# where it cannot run: not root, or Slurm/munge not installed (scripts/install-deps.sh installs them).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
script=$root/scripts/slurm-local.sh

# shellcheck source=tests/slurm/slurm_test_lib.sh
source "$(dirname "$0")/slurm_test_lib.sh"
require_slurm munged slurmctld slurmd sbatch scontrol sinfo

dir=$(mktemp -d /tmp/sublab-slurm-test.XXXXXX)
cluster=$dir/cluster
out=$dir/out
mkdir -p "$out"
chmod 755 "$dir"
daemon_pids() {
  for f in "$cluster/slurmctld.pid" "$cluster/slurmd.pid" "$cluster/munge/munged.pid"; do
    [[ -f $f ]] && tr -dc '0-9' <"$f" && echo
  done
}
pids=()
cleanup() {
  "$script" stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# Slurm or munge processes (a zombie is not running: PID 1 in a container may not reap).
# Read from /proc, not ps: a minimal Debian has no procps.
running_daemons() {
  local stat
  for stat in /proc/[0-9]*/stat; do
    sed -nE 's/^([0-9]+) \((slurmctld|slurmd|slurmstepd|munged)\) ([^Z]).*/\1 \2/p' "$stat" 2>/dev/null
  done
}
before=$(running_daemons)

"$script" start "$cluster" || {
  echo "FAIL: the cluster did not start"
  exit 1
}
mapfile -t pids < <(daemon_pids)
[[ ${#pids[@]} -eq 3 ]] || fail "expected 3 daemon pid files, found ${#pids[@]}"
# Starting twice is harmless.
"$script" start "$cluster" || fail "a second start on a running cluster failed"
eval "$("$script" env "$cluster")"
[[ "${SLURM_CONF:-}" == "$cluster/slurm.conf" ]] || fail "env printed SLURM_CONF=${SLURM_CONF:-}"

cat >"$dir/task.sh" <<EOF
#!/bin/bash
echo "task \$SLURM_ARRAY_TASK_ID of \$SLURM_ARRAY_JOB_ID" >"$out/task_\$SLURM_ARRAY_TASK_ID.txt"
[[ \$SLURM_ARRAY_TASK_ID == 1 ]] && exit 3
exit 0
EOF
array_id=$(sbatch --wait --parsable --array=0-1 -o "$out/array_%a.log" "$dir/task.sh")
rc=$?
[[ $rc -eq 3 ]] || fail "sbatch --wait returned $rc, expected 3 (the highest exit code of the array's tasks)"
[[ "$array_id" =~ ^[0-9]+$ ]] || fail "sbatch --parsable printed '$array_id'"
for t in 0 1; do
  [[ "$(cat "$out/task_$t.txt" 2>/dev/null)" == "task $t of $array_id" ]] ||
    fail "task $t wrote '$(cat "$out/task_$t.txt" 2>/dev/null)'"
done

# Per-task exit codes, from the controller and from the job-completion file.
for t in 0 1; do
  want=$([[ $t == 1 ]] && echo 3:0 || echo 0:0)
  got=$(scontrol show job "${array_id}_$t" 2>&1 | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2)
  [[ "$got" == "$want" ]] || fail "scontrol: task $t ExitCode=$got, expected $want"
  line=$(grep -E "ArrayJobId=$array_id ArrayTaskId=$t " "$cluster/jobcomp.txt")
  [[ "$line" == *" ExitCode=$want "* ]] || fail "jobcomp: task $t line '$line', expected ExitCode=$want"
done
grep -q "ArrayTaskId=1 .*JobState=FAILED\|JobState=FAILED.*ArrayTaskId=1 " "$cluster/jobcomp.txt" ||
  fail "jobcomp has no FAILED line for task 1"

# A job that depends on the array runs after it, even though a task failed (afterany).
array_end=$(date +%s.%N)
dep_id=$(sbatch --parsable --dependency="afterany:$array_id" -o "$out/dep.log" \
  --wrap "ls $out/task_*.txt | wc -l >$out/dep.txt; date +%s.%N >>$out/dep.txt")
[[ "$dep_id" =~ ^[0-9]+$ ]] || fail "dependent sbatch printed '$dep_id'"
for ((i = 0; i < 300; i++)); do
  grep -q "JobId=$dep_id .*JobState=" "$cluster/jobcomp.txt" 2>/dev/null && break
  sleep 0.1
done
dep_line=$(grep "JobId=$dep_id " "$cluster/jobcomp.txt")
[[ "$dep_line" == *"JobState=COMPLETED"*" ExitCode=0:0 "* ]] || fail "dependent job: '$dep_line'"
[[ "$(head -n 1 "$out/dep.txt" 2>/dev/null)" == 2 ]] || fail "dependent job saw '$(head -n 1 "$out/dep.txt" 2>/dev/null)' task files, expected 2"
dep_start=$(sed -n 2p "$out/dep.txt" 2>/dev/null)
awk -v a="$array_end" -v d="${dep_start:-0}" 'BEGIN { exit !(d >= a) }' ||
  fail "the dependent job ran at ${dep_start:-never}, before the array ended ($array_end)"

"$script" stop "$cluster" || fail "stop failed"
"$script" stop "$cluster" || fail "a second stop failed"
for p in "${pids[@]}"; do
  if [[ -r /proc/$p/stat ]] && ! awk '{ exit !($3 == "Z") }' "/proc/$p/stat"; then
    fail "daemon pid $p is still running after stop"
  fi
done
after=$(running_daemons)
[[ "$after" == "$before" ]] || fail "slurm/munge processes left after stop: $after"

finish "local Slurm cluster: array exit codes, files, afterany dependency, clean stop" "$cluster"/*.log "$cluster/munge/munged.log"

#!/usr/bin/env bash
# ctest slurm/test_slurm_sweep SUBLAB: a sweep (2 values x 1 seed of a shrunk owl-numbers-tiny)
# submitted with `sublab sweep --slurm` to a real one-node Slurm cluster (scripts/slurm-local.sh),
# merged by its dependent merge job, compared with the same sweep run locally with `sublab sweep`
# (identical figures); sweep-status shows each task's state and exit code; merging again adds
# nothing; a task killed mid-run (SIGKILL) comes in as interrupted and sweep-resubmit reruns only
# it. The cluster is stopped at the end, even on failure. Exits 77 (ctest: skipped) where it
# cannot run: not root, or Slurm/munge not installed. About 35 s.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
script=$root/scripts/slurm-local.sh
sublab=${1:?usage: test_slurm_sweep.sh PATH/TO/sublab}

# shellcheck source=tests/slurm/slurm_test_lib.sh
source "$(dirname "$0")/slurm_test_lib.sh"
require_slurm munged slurmctld slurmd sbatch scontrol

dir=$(mktemp -d /tmp/sublab-slurm-sweep.XXXXXX)
chmod 755 "$dir"
cluster=$dir/cluster
cleanup() {
  "$script" stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

# The tasks inherit this environment (sbatch --export=ALL): one thread, a private model cache.
export OMP_NUM_THREADS=1 XDG_CACHE_HOME=$dir/cache
work="$dir/a sweep's folder"
mkdir -p "$work"
cat >"$work/plan.json" <<'EOF'
{"name": "slurm sweep", "base": {"preset": "owl-numbers-tiny"},
 "set": {"reference": {"corpus_rows": 1000, "steps": 40}, "teacher": {"rows": 32},
         "generation": {"prompts": 48}},
 "axes": [{"key": "filter.max_kept", "values": [24, 40]}], "seeds": 1}
EOF

# The same sweep locally.
"$sublab" sweep "$work/plan.json" --db "$work/local.sqlite" --threads 1 >"$dir/local.out" 2>"$dir/local.err" ||
  { cat "$dir/local.err"; fail "the local sweep failed"; }

"$script" start "$cluster" || {
  echo "FAIL: the cluster did not start"
  exit 1
}
eval "$("$script" env "$cluster")"

"$sublab" sweep "$work/plan.json" --slurm --db "$work/project.sqlite" --dir "$work/slurm out" \
  --time 00:05:00 --max-parallel 2 --json >"$dir/submit.json" 2>"$dir/submit.err" ||
  { cat "$dir/submit.err"; fail "sublab sweep --slurm failed"; }
merge_id=$(sed -n 's/.*"merge": "\([0-9]*\)".*/\1/p' "$dir/submit.json")
array_id=$(sed -n 's/.*"array": "\([0-9]*\)".*/\1/p' "$dir/submit.json")
[[ "$merge_id" =~ ^[0-9]+$ && "$array_id" =~ ^[0-9]+$ ]] || fail "no job ids in the manifest: $(cat "$dir/submit.json")"
[[ -x "$work/slurm out/sweep-array.sbatch" && -f "$work/slurm out/manifest.json" ]] ||
  fail "the scripts and manifest are not beside each other in the --dir"

for ((i = 0; i < 1200; i++)); do
  grep -q "JobId=$merge_id .*JobState=" "$cluster/jobcomp.txt" 2>/dev/null && break
  sleep 0.1
done
merge_line=$(grep "JobId=$merge_id " "$cluster/jobcomp.txt")
[[ "$merge_line" == *"JobState=COMPLETED"*" ExitCode=0:0 "* ]] || fail "merge job: '$merge_line'"
for t in 0 1; do
  line=$(grep -E "ArrayJobId=$array_id ArrayTaskId=$t " "$cluster/jobcomp.txt")
  [[ "$line" == *" ExitCode=0:0 "* ]] || fail "task $t: '$line'"
done

# Identical figures: the sweep's points (status, values, effect with CI) but ids and uuids.
strip() { grep -v -E '"(uuid|run_id|sweep_id)"'; }
"$sublab" sweeps 1 --db "$work/local.sqlite" --json | strip >"$dir/local.json"
"$sublab" sweeps 1 --db "$work/project.sqlite" --json | strip >"$dir/slurm.json"
grep -q '"status": "done"' "$dir/slurm.json" || fail "no point done after the merge"
[[ $(grep -c '"status": "done"' "$dir/slurm.json") == 2 ]] || fail "not both points done"
diff "$dir/local.json" "$dir/slurm.json" >"$dir/diff.txt" || fail "slurm and local differ: $(cat "$dir/diff.txt")"
# Per run: the summary JSON (every figure the run stored).
for db in local project; do
  for id in $("$sublab" sweeps 1 --db "$work/$db.sqlite" --json | sed -n 's/.*"run_id": \([0-9]*\).*/\1/p'); do
    "$sublab" show "$id" --db "$work/$db.sqlite" --json | sed -n '/"summary"/,$p' |
      grep -v -E '"(uuid|id|run_id|[a-z_]*_seconds|created_at|started_at|finished_at|pid|host|threads)"'
  done >"$dir/$db-runs.json"
done
[[ -s "$dir/local-runs.json" ]] || fail "no run summaries read"
diff "$dir/local-runs.json" "$dir/project-runs.json" >"$dir/diff2.txt" ||
  fail "run summaries differ: $(head -c 2000 "$dir/diff2.txt")"

# Each point's Slurm state and exit code; nothing to resubmit.
status=$("$sublab" sweep-status "$work/slurm out/manifest.json" --json 2>&1)
[[ $(grep -c '"slurm_state": "COMPLETED"' <<<"$status") == 2 && $(grep -c '"exit_code": "0:0"' <<<"$status") == 2 &&
  $(grep -c '"run": "done"' <<<"$status") == 2 ]] || fail "sweep-status: $status"
resub=$("$sublab" sweep-resubmit "$work/slurm out/manifest.json" 2>&1)
[[ "$resub" == *"nothing to resubmit"* ]] || fail "sweep-resubmit with every point done: $resub"

# Merging again adds nothing.
again=$("$sublab" sweep-merge "$work/slurm out/manifest.json" --json 2>&1)
[[ "$again" == *'"added": 0'* && "$again" == *'"skipped": 2'* ]] || fail "second merge: $again"

# A task killed mid-run (SIGKILL, as when a node dies) leaves a shard with an unfinished run:
# sweep-status says so, the merge brings it in as interrupted, sweep-resubmit runs only that
# point again and its merge job links the new, finished run.
cat >"$work/kill.json" <<'EOF'
{"name": "killed sweep", "base": {"preset": "owl-numbers-tiny"},
 "set": {"reference": {"corpus_rows": 1000, "steps": 40}, "teacher": {"rows": 32},
         "generation": {"prompts": 48}},
 "axes": [{"key": "filter.max_kept", "values": [24]}], "seeds": 1}
EOF
"$sublab" sweep "$work/kill.json" --slurm --db "$work/killed.sqlite" --dir "$work/kill" --json \
  >"$dir/kill.json" 2>"$dir/kill.err" || { cat "$dir/kill.err"; fail "sublab sweep --slurm (kill) failed"; }
kill_array=$(sed -n 's/.*"array": "\([0-9]*\)".*/\1/p' "$dir/kill.json")
kill_merge=$(sed -n 's/.*"merge": "\([0-9]*\)".*/\1/p' "$dir/kill.json")
for ((i = 0; i < 600; i++)); do
  "$sublab" sweep-status "$work/kill/manifest.json" --json 2>/dev/null | grep -q '"run": "running"' && break
  sleep 0.1
done
scancel --batch --signal=KILL "${kill_array}_0" || fail "scancel failed"
for ((i = 0; i < 600; i++)); do
  grep -q "JobId=$kill_merge .*JobState=" "$cluster/jobcomp.txt" 2>/dev/null && break
  sleep 0.1
done
killed=$("$sublab" sweeps 1 --db "$work/killed.sqlite" --json 2>&1)
[[ "$killed" == *'"status": "interrupted"'* ]] || fail "the killed point did not come in as interrupted: $killed"
kstatus=$("$sublab" sweep-status "$work/kill/manifest.json" --json 2>&1)
[[ "$kstatus" == *'"needs_rerun": true'* && "$kstatus" == *'"run": "running"'* ]] ||
  fail "sweep-status of the killed point: $kstatus"
resub=$("$sublab" sweep-resubmit "$work/kill/manifest.json" 2>&1) || fail "sweep-resubmit failed: $resub"
[[ "$resub" == *"resubmitted points 0 "* ]] || fail "sweep-resubmit: $resub"
kill_merge=$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$resub")
for ((i = 0; i < 1200; i++)); do
  grep -q "JobId=$kill_merge .*JobState=" "$cluster/jobcomp.txt" 2>/dev/null && break
  sleep 0.1
done
rerun=$("$sublab" sweeps 1 --db "$work/killed.sqlite" --json 2>&1)
[[ "$rerun" == *'"status": "done"'* ]] || fail "after the resubmit the point is not done: $rerun"
[[ $("$sublab" runs --db "$work/killed.sqlite" | grep -c interrupted) == 1 ]] ||
  fail "the interrupted run should stay, once: $("$sublab" runs --db "$work/killed.sqlite")"

"$script" stop "$cluster" || fail "stop failed"
finish "a sweep on the local Slurm cluster, merged, equals the same sweep run locally" "$work/slurm out/logs"/*.out "$dir/submit.err"

#!/usr/bin/env bash
# ctest slurm/test_slurm_sweep SUBLAB: a sweep (2 values x 2 seeds of a shrunk owl-numbers-tiny)
# submitted with `sublab sweep --slurm` to a real one-node Slurm cluster (scripts/slurm-local.sh),
# merged by its dependent merge job and compared with the same sweep run locally with `sublab
# sweep` (identical figures); `sublab sweep status ID` shows each task's state and exit code;
# merging again adds nothing. A second sweep has a point made to fail (a banned pattern that
# bans every number: the engine accepts it, the filter then keeps nothing) and a point whose task
# is killed mid-run (SIGKILL): status shows the failure's message and the kill, the merge brings
# the killed run in as interrupted, `sublab sweep resubmit ID` submits only those two again.
# The cluster is stopped at the end, on failure, and (its watchdog, SLURM_LOCAL_OWNER) when ctest
# kills this script at its timeout. Exits 77 (ctest: skipped) where it cannot run: not root, or
# Slurm/munge not installed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
script=$root/scripts/slurm-local.sh
sublab=${1:?usage: test_slurm_sweep.sh PATH/TO/sublab}
py=/usr/bin/python3

# shellcheck source=tests/slurm/slurm_test_lib.sh
source "$(dirname "$0")/slurm_test_lib.sh"
require_slurm munged slurmctld slurmd sbatch scontrol scancel
[[ -x $py ]] || {
  echo "FAIL: $py not found (Debian's python3 reads the JSON here; apt-get install -y python3)"
  exit 1
}

dir=$(mktemp -d /tmp/sublab-slurm-sweep.XXXXXX)
chmod 755 "$dir"
cluster=$dir/cluster
cleanup() {
  "$script" stop "$cluster" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# json FILE EXPR: a Python expression over the JSON `j` in FILE (printed).
json() { "$py" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }
# wait_job ID: until the job's line is in the job-completion file (at most 240 s: CI runs this
# beside other tests on 2 cores, where a task takes several times as long as on an idle machine).
wait_job() {
  for ((i = 0; i < 2400; i++)); do
    grep -q "JobId=$1 .*JobState=" "$cluster/jobcomp.txt" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "job $1 did not end within 240 s"
}

# The tasks inherit this environment (sbatch --export=ALL): one thread, a private model cache.
export OMP_NUM_THREADS=1 XDG_CACHE_HOME=$dir/cache
work="$dir/a sweep's folder"
mkdir -p "$work"
shrink='"set": {"reference": {"corpus_rows": 1000, "steps": 40}, "teacher": {"rows": 32},
         "generation": {"prompts": 48}}'
cat >"$work/plan.json" <<EOF
{"name": "slurm sweep", "base": {"preset": "owl-numbers-tiny"}, $shrink,
 "axes": [{"key": "filter.max_kept", "values": [24, 40]}], "seeds": 2}
EOF

# The same sweep locally.
"$sublab" sweep "$work/plan.json" --db "$work/local.sqlite" --threads 1 >"$dir/local.out" 2>"$dir/local.err" ||
  { cat "$dir/local.err"; fail "the local sweep failed"; }

SLURM_LOCAL_OWNER=$$ "$script" start "$cluster" || {
  echo "FAIL: the cluster did not start"
  exit 1
}
eval "$("$script" env "$cluster")"

"$sublab" sweep "$work/plan.json" --slurm --db "$work/project.sqlite" --dir "$work/slurm out" \
  --time 00:05:00 --max-parallel 2 --json >"$dir/submit.json" 2>"$dir/submit.err" ||
  { cat "$dir/submit.err"; fail "sublab sweep --slurm failed"; }
array_id=$(json "$dir/submit.json" "j['jobs']['array']")
merge_id=$(json "$dir/submit.json" "j['jobs']['merge']")
sweep_id=$(json "$dir/submit.json" "j['sweep_id']")
[[ "$merge_id" =~ ^[0-9]+$ && "$array_id" =~ ^[0-9]+$ && "$sweep_id" == 1 ]] ||
  fail "no job ids or sweep id: $(cat "$dir/submit.json")"
[[ -x "$work/slurm out/sweep-array.sbatch" && -f "$work/slurm out/manifest.json" ]] ||
  fail "the scripts and manifest are not beside each other in the --dir"
# Submitted, not merged yet: the project lists the sweep and its points.
"$sublab" sweeps "$sweep_id" --db "$work/project.sqlite" --json >"$dir/pending.json"
[[ $(json "$dir/pending.json" "len(j['points'])") == 2 ]] || fail "the points are not listed at submission"

wait_job "$merge_id"
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
[[ $(grep -c '"status": "done"' "$dir/slurm.json") == 2 ]] || fail "not both points done"
grep -q '"n": 2' "$dir/slurm.json" || fail "the points do not have 2 seeds: $(cat "$dir/slurm.json")"
diff "$dir/local.json" "$dir/slurm.json" >"$dir/diff.txt" || fail "slurm and local differ: $(cat "$dir/diff.txt")"
# Per run: the summary JSON (every figure the run stored).
for db in local project; do
  for id in $("$sublab" sweeps 1 --db "$work/$db.sqlite" --json | sed -n 's/.*"run_id": \([0-9]*\).*/\1/p'); do
    "$sublab" show "$id" --db "$work/$db.sqlite" --json | sed -n '/"summary"/,$p' |
      grep -v -E '"(uuid|id|run_id|[a-z_]*_seconds|created_at|started_at|finished_at|pid|host|threads|runtime|openmp_wait|openmp_wait_why|threads_from)"'
  done >"$dir/$db-runs.json"
done
[[ -s "$dir/local-runs.json" ]] || fail "no run summaries read"
diff "$dir/local-runs.json" "$dir/project-runs.json" >"$dir/diff2.txt" ||
  fail "run summaries differ: $(head -c 2000 "$dir/diff2.txt")"

# Each point's Slurm state and exit code, by the sweep's id; nothing to resubmit.
"$sublab" sweep status "$sweep_id" --db "$work/project.sqlite" --json >"$dir/status.json" 2>&1 ||
  fail "sweep status: $(cat "$dir/status.json")"
[[ $(json "$dir/status.json" "sum(p['slurm_state'] == 'COMPLETED' and p['exit_code'] == '0:0' and p['run'] == 'done' and p['run_id'] > 0 for p in j['points'])") == 2 ]] ||
  fail "sweep status: $(cat "$dir/status.json")"
"$sublab" sweep status "$sweep_id" --db "$work/project.sqlite" >"$dir/status.txt" 2>&1 ||
  fail "sweep status (text): $(cat "$dir/status.txt")"
grep -q "${array_id}_1 .*COMPLETED .*0:0 .*done" "$dir/status.txt" || fail "sweep status (text): $(cat "$dir/status.txt")"
# The manifest's path and the older spelling give the same.
"$sublab" sweep-status "$work/slurm out/manifest.json" --json >"$dir/status2.json" 2>&1 ||
  fail "sweep-status MANIFEST: $(cat "$dir/status2.json")"
[[ $(json "$dir/status2.json" "j['points']") == "$(json "$dir/status.json" "j['points']")" ]] ||
  fail "sweep-status MANIFEST differs from sweep status ID: $(diff "$dir/status.json" "$dir/status2.json")"
resub=$("$sublab" sweep resubmit "$sweep_id" --db "$work/project.sqlite" 2>&1)
[[ "$resub" == *"nothing to resubmit"* ]] || fail "sweep resubmit with every point done: $resub"
# Clear messages: an unknown id, a sweep never submitted to Slurm.
msg=$("$sublab" sweep status 7 --db "$work/project.sqlite" 2>&1)
[[ $? == 2 && "$msg" == *"no sweep 7"* ]] || fail "sweep status of an unknown id: $msg"
msg=$("$sublab" sweep status 1 --db "$work/local.sqlite" 2>&1)
[[ $? == 2 && "$msg" == *"never submitted to Slurm"* ]] || fail "sweep status of a local sweep: $msg"

# Merging again adds nothing.
again=$("$sublab" sweep-merge "$work/slurm out/manifest.json" --json 2>&1)
[[ "$again" == *'"added": 0'* && "$again" == *'"skipped": 2'* ]] || fail "second merge: $again"

# A second sweep: point 0's task is killed mid-run (SIGKILL, as when a node dies), point 1
# fails (a banned pattern that matches every number: the filter keeps none of the teacher's
# completions). Status shows both, the merge brings the killed run in as interrupted, resubmit
# submits only these two and its merge job links point 0's new, finished run.
# Point 0 pretrains longer (150 steps, about 15 s on an idle core) so that it is still running
# when it is killed: with the shrunk preset's 40 steps, cached by the first sweep, a run could
# finish between the status poll that saw it start and the kill (it did once the engine got
# faster). Not much longer: its resubmitted task pretrains again in full, and 600 steps took over
# 4 minutes beside other tests on 2 cores. The axes are zipped so that point 1 keeps the 40 cached
# steps and fails within seconds.
cat >"$work/bad.json" <<EOF
{"name": "bad sweep", "base": {"preset": "owl-numbers-tiny"}, $shrink, "mode": "zip",
 "axes": [{"key": "filter.banned_patterns", "values": [[], ["[0-9]"]]},
          {"key": "reference.steps", "values": [150, 40]}], "seeds": 1}
EOF
"$sublab" sweep "$work/bad.json" --slurm --db "$work/bad.sqlite" --dir "$work/bad" --json \
  >"$dir/bad.json" 2>"$dir/bad.err" || { cat "$dir/bad.err"; fail "sublab sweep --slurm (bad) failed"; }
bad_array=$(json "$dir/bad.json" "j['jobs']['array']")
bad_merge=$(json "$dir/bad.json" "j['jobs']['merge']")
running="any(p['index'] == 0 and p['run'] == 'running' for p in j['points'])"
for ((i = 0; i < 600; i++)); do
  "$sublab" sweep status 1 --db "$work/bad.sqlite" --json >"$dir/bad-status.json" 2>/dev/null &&
    [[ $(json "$dir/bad-status.json" "$running") == True ]] && break
  sleep 0.1
done
scancel --batch --signal=KILL "${bad_array}_0" || fail "scancel failed"
wait_job "$bad_merge"
"$sublab" sweeps 1 --db "$work/bad.sqlite" --json >"$dir/bad-merged.json"
[[ $(json "$dir/bad-merged.json" "[p['status'] for p in j['points']]") == "['interrupted', 'failed']" ]] ||
  fail "after the merge: $(cat "$dir/bad-merged.json")"
"$sublab" sweep status 1 --db "$work/bad.sqlite" --json >"$dir/bad-status.json" 2>&1
p1="j['points'][1]"
[[ $(json "$dir/bad-status.json" "(${p1}['slurm_state'], ${p1}['exit_code'], ${p1}['run'], ${p1}['needs_rerun'])") == "('FAILED', '1:0', 'failed', True)" ]] ||
  fail "status of the failed point: $(cat "$dir/bad-status.json")"
[[ $(json "$dir/bad-status.json" "${p1}['error']") == *"the filter kept none"* ]] ||
  fail "the failed point's message: $(cat "$dir/bad-status.json")"
[[ $(json "$dir/bad-status.json" "(j['points'][0]['needs_rerun'], j['points'][0]['exit_code'] != '0:0', j['points'][0]['run'])") == "(True, True, 'interrupted')" ]] ||
  fail "status of the killed point: $(cat "$dir/bad-status.json")"
"$sublab" sweep status 1 --db "$work/bad.sqlite" >"$dir/bad-status.txt" 2>&1
if ! grep -q "FAILED .*1:0 .*failed .*the filter kept none" "$dir/bad-status.txt" ||
  ! grep -q "sublab sweep resubmit 1 --db" "$dir/bad-status.txt"; then
  fail "status (text) of the bad sweep: $(cat "$dir/bad-status.txt")"
fi
resub=$("$sublab" sweep resubmit 1 --db "$work/bad.sqlite" 2>&1) || fail "sweep resubmit failed: $resub"
[[ "$resub" == *"resubmitted points 0,1 "* ]] || fail "sweep resubmit: $resub"
wait_job "$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$resub")"
"$sublab" sweeps 1 --db "$work/bad.sqlite" --json >"$dir/bad-rerun.json"
[[ $(json "$dir/bad-rerun.json" "[p['status'] for p in j['points']]") == "['done', 'failed']" ]] ||
  fail "after the resubmit: $(cat "$dir/bad-rerun.json")"
[[ $("$sublab" runs --db "$work/bad.sqlite" | grep -c interrupted) == 1 ]] ||
  fail "the interrupted run should stay, once: $("$sublab" runs --db "$work/bad.sqlite")"

# A manifest that moved: a clear message, then found again by its new path.
mv "$work/bad" "$work/bad-moved"
msg=$("$sublab" sweep status 1 --db "$work/bad.sqlite" 2>&1)
[[ $? == 2 && "$msg" == *"no longer at"* ]] || fail "sweep status of a moved manifest: $msg"
"$sublab" sweep status "$work/bad-moved/manifest.json" --db "$work/bad.sqlite" >/dev/null 2>&1 ||
  fail "sweep status by the moved manifest's path"
"$sublab" sweep status 1 --db "$work/bad.sqlite" --json >"$dir/moved.json" 2>&1 || fail "status after the move: $(cat "$dir/moved.json")"
[[ $(json "$dir/moved.json" "j['points'][0]['run']") == "done" ]] || fail "status after the move: $(cat "$dir/moved.json")"

"$script" stop "$cluster" || fail "stop failed"
finish "a sweep on the local Slurm cluster, merged, equals the same sweep run locally" "$work/slurm out/logs"/*.out "$dir/submit.err"

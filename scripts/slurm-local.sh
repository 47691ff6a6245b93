#!/usr/bin/env bash
# A private, real Slurm cluster on this one machine, for tests and demos. Not a production setup:
# everything runs as root, there is no accounting database, no cgroups, and the "nodes" are several
# slurmd daemons on the same host that share its cores.
#
# Usage:
#   scripts/slurm-local.sh up [--nodes N] [--cpus C]   # N nodes pk1..pkN (default 1), C CPUs each (default nproc)
#   scripts/slurm-local.sh status                      # daemons' PIDs, alive/dead, sinfo; exit 0 iff all alive
#   scripts/slurm-local.sh down                        # stop everything started by `up` (idempotent)
#   scripts/slurm-local.sh env                         # `export SLURM_CONF=...` lines, for eval
#
#   eval "$(scripts/slurm-local.sh up --nodes 2)"      # messages go to stderr, the exports to stdout
#   sbatch --wait job.sh && scontrol show job 1
#   scripts/slurm-local.sh down
#
# What `up` does:
#   - installs slurm-wlm and munge with apt-get if slurmctld, slurmd or munged is missing;
#   - starts its own munged (private key, socket, pid, log and seed files in the state directory;
#     a system munged, if any, is left alone) and points Slurm at that socket (AuthInfo=socket=...);
#   - writes its own slurm.conf (select/cons_tres with CR_Core, MpiDefault=pmix, jobcomp/filetxt,
#     no accounting, partition `debug` with all nodes) and starts slurmctld and N slurmd daemons;
#   - runs slurmd pkI inside its own UTS and mount namespaces: its hostname there is pkI (so MPI
#     ranks of different fake nodes do not take each other for local peers), and a private copy of
#     /etc/hosts bound over /etc/hosts there resolves pk1..pkN to 127.0.0.1 (the real /etc/hosts is
#     not modified). Where no mount namespace can be made (in a chroot, whose root is no mount
#     point; or with PARAKIT_SLURM_HOSTS=etc), one marked line in /etc/hosts does it instead (the
#     file is created if missing), removed again by `down`. Each node has its own port, spool
#     directory and TmpFS (TmpFS=<dir>/tmp/%n);
#   - waits (polling every 0.2 s, at most 30 s) until every node is idle. If a daemon dies or the
#     deadline passes, it prints the tail of the daemons' logs on stderr, stops whatever it started,
#     and fails.
#   A cold start (nothing of ours running) wipes the previous state, spool, logs and job records
#   (the munge key is kept), so job ids start again at 1. `up` while the cluster is already up with
#   the same node and CPU counts only reports its status and succeeds; with different counts it
#   fails (run `down` first). If only some of the daemons are still alive, it stops them and starts
#   afresh.
#
# `down` stops the daemons by the PIDs in their pid files (checking that each PID is still one of
# ours: its command line names the state directory): slurmd's and slurmctld with SIGTERM, then
# SIGKILL after 5 s (saying so), then munged. Job steps still running on a node (slurmstepd, srun,
# the tasks; found through the node's UTS namespace) are killed with SIGKILL. It returns only once
# every one of them has exited, all its threads included (so its ports and sockets are free), and
# the daemons have been collected by their parent (at most 2 s more; zombies left after that are
# named): an `up` right after it starts afresh. A process still there 5 s after SIGKILL (stuck in
# the kernel) is named and `down` fails. Processes are told apart by PID and start time, so a PID
# reused meanwhile is never signalled. `down` succeeds when nothing is up, and also cleans up after
# an `up` that failed or was killed half way.
#
# Environment:
#   PARAKIT_SLURM_DIR          state directory (default: $PARAKIT_ROOT/build/slurm-local); it holds
#                              slurm.conf, the munge key and socket, spool and TmpFS directories,
#                              logs (log/NAME.log, and log/NAME.out: the daemon's stderr), pid files
#                              and the job completion file jobcomp.txt
#   PARAKIT_SLURM_PORT         base port (default 26817): slurmctld listens on it, slurmd pkI on base+I
#   PARAKIT_SLURM_CRED_EXPIRE  AuthInfo cred_expire in seconds (default 10; Slurm's minimum is 5,
#                              its default 120): a requeued batch job starts again cred_expire+1 s
#                              after the requeue
#   PARAKIT_SLURM_EXTRA_CONF   extra lines appended to slurm.conf (a later line overrides an earlier
#                              one, with a harmless "specified more than once" error in the logs)
#
# Notes for tests (measured with slurm-wlm 22.05 on Debian 12):
#   - client commands need SLURM_CONF (the configuration is not in /etc/slurm): use `env`;
#   - `sbatch --wait` polls every 2 s (only because MinJobAge <= 4; with a larger MinJobAge it backs
#     off to 8 s and 32 s), so a short job's round trip is ~2 s. It keeps waiting through a requeue;
#   - MinJobAge=4: `scontrol show job` still knows a job for 4 s (up to ~10 s) after it ends, long
#     enough right after `sbatch --wait`; <state dir>/jobcomp.txt keeps a line for every finished job;
#   - slurmctld checks time limits and `--signal` times only every 30 s (counted from its start, not
#     configurable): `--signal=B:USR1@50 --time=1` reaches the batch shell 10 to 40 s after the job
#     starts, and a time limit is enforced up to 30 s late;
#   - MPI programs are launched with `srun --mpi=pmix` (the default here; pmi2 and none do not work
#     with Debian's Open MPI). Open MPI's default transports work across the fake nodes (they have
#     distinct hostnames); OMPI_MCA_btl=self,vader,tcp is harmless.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
PATH=$PATH:/usr/sbin:/sbin

STATE=${PARAKIT_SLURM_DIR:-$PARAKIT_ROOT/build/slurm-local}
case $STATE in /*) ;; *) STATE=$PWD/$STATE ;; esac
STATE=${STATE%/}
PORT_BASE=${PARAKIT_SLURM_PORT:-26817}
CRED_EXPIRE=${PARAKIT_SLURM_CRED_EXPIRE:-10}
CONF=$STATE/slurm.conf
INFO=$STATE/cluster.info
MUNGE_DIR=$STATE/munge
MUNGE_KEY=$MUNGE_DIR/munge.key
MUNGE_SOCKET=$MUNGE_DIR/munge.socket
MUNGE_PID=$MUNGE_DIR/munged.pid
RUN=$STATE/run
LOGS=$STATE/log
CTLD_PID=$RUN/slurmctld.pid
START_DEADLINE_S=30
STOP_GRACE_S=5 # SIGTERM to SIGKILL
KILL_WAIT_S=5  # SIGKILL until `down` gives up on a process (one stuck in the kernel)
REAP_WAIT_S=2  # exited until init has collected it

log() { printf 'slurm-local: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# alive PID: the process exists and is not a zombie.
alive() {
  local stat
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ $stat != [ZX]* ]]
}

# ours PID: alive, and its command line names the state directory (guards against a reused PID).
ours() {
  alive "$1" && { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -qF -- "$STATE/"
}

# pid_from FILE: the PID in FILE if that process is still one of ours; fails otherwise.
pid_from() {
  local pid
  [ -r "$1" ] || return 1
  pid=$(head -n 1 "$1" 2>/dev/null) || return 1
  ours "$pid" || return 1
  printf '%s\n' "$pid"
}

node_names() {
  local i
  for ((i = 1; i <= $1; i++)); do printf 'pk%d\n' "$i"; done
}

recorded_nodes() {
  [ -r "$INFO" ] || return 1
  sed -n 's/^nodes=//p' "$INFO"
}

# ns_members NODE: the PIDs of the processes in node NODE's UTS namespace (its slurmd, job steps and
# their tasks). The namespace is the one recorded by `up`; it is trusted only if it is not ours
# (never the host's) and, when slurmd is gone and its id might have been reused, only if its
# hostname is still NODE.
ns_members() {
  local node=$1 ns pid d pids=()
  ns=$(cat "$RUN/slurmd-$node.uts" 2>/dev/null) || return 0
  [[ $ns == uts:\[*\] ]] && [ "$ns" != "$(readlink /proc/$$/ns/uts)" ] || return 0
  if pid=$(pid_from "$RUN/slurmd-$node.pid") && [ "$(readlink "/proc/$pid/ns/uts")" = "$ns" ]; then
    for d in /proc/[0-9]*; do
      [ "$d/ns/uts" -ef "/proc/$pid/ns/uts" ] 2>/dev/null && pids+=("${d#/proc/}")
    done
  else
    for d in /proc/[0-9]*; do
      [ "$(readlink "$d/ns/uts" 2>/dev/null)" = "$ns" ] && pids+=("${d#/proc/}")
    done
    [ ${#pids[@]} -gt 0 ] || return 0
    [ "$(nsenter -t "${pids[0]}" -u hostname 2>/dev/null)" = "$node" ] || return 0
  fi
  [ ${#pids[@]} -eq 0 ] || printf '%s\n' "${pids[@]}"
}

# start_time PID: when the process started (field 22 of /proc/PID/stat, in clock ticks since boot),
# which tells it from a later process that gets the same PID; fails if there is no such process.
start_time() {
  local stat f
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  read -ra f <<<"${stat##*) }"
  printf '%s\n' "${f[19]}"
}

# The processes `down` is stopping, PID -> start time: it waits for these, and signals only these.
declare -A STOPPING=()

# remember PID...: note each PID's start time (it must be one of ours, or a process they started),
# unless it is noted already: a PID seen again may be another process's by now.
remember() {
  local pid t
  for pid; do
    if [ -z "${STOPPING[$pid]:-}" ] && t=$(start_time "$pid"); then STOPPING[$pid]=$t; fi
  done
}

# same PID: PID is still the process remembered, not a later one with its number.
same() {
  local t
  t=$(start_time "$1") && [ "$t" = "${STOPPING[$1]:-}" ]
}

# exited PID: the remembered process has ended: its PID is free or another's, or it is a zombie whose
# threads have all ended. (A multi-threaded process shows its main thread as a zombie while its other
# threads still exit, holding its sockets and files; a zombie with no threads left holds nothing but
# the exit status its parent, init, has yet to collect.)
exited() {
  local stat threads
  same "$1" || return 0
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 0
  stat=${stat##*) }
  [[ $stat == [ZX]* ]] || return 1
  threads=("/proc/$1/task/"*)
  [ ${#threads[@]} -le 1 ]
}

# still_running PID...: those of the PIDs that have not exited.
still_running() {
  local pid
  for pid; do
    if ! exited "$pid"; then printf '%s\n' "$pid"; fi
  done
}

# wait_exited SECONDS PID...: waits (polling every 0.1 s) until every PID has exited; fails if some
# are still running after SECONDS.
wait_exited() {
  local t limit=$(($1 * 10))
  shift
  for ((t = 0; ; t++)); do
    [ -n "$(still_running "$@")" ] || return 0
    [ "$t" -lt "$limit" ] || return 1
    sleep 0.1
  done
}

# terminate PID...: SIGTERM, wait up to STOP_GRACE_S for them to exit, then SIGKILL (saying so).
terminate() {
  [ $# -gt 0 ] || return 0
  remember "$@"
  kill -TERM "$@" 2>/dev/null || true
  wait_exited "$STOP_GRACE_S" "$@" && return 0
  local left
  mapfile -t left < <(still_running "$@")
  log "still running ${STOP_GRACE_S}s after SIGTERM, sending SIGKILL: ${left[*]}"
  kill_now "${left[@]}"
}

# kill_now PID...: SIGKILL, and wait up to KILL_WAIT_S until they have exited; fails (saying so) if
# one has not. Only a process still the one remembered is signalled, never a reused PID.
kill_now() {
  local pid left
  [ $# -gt 0 ] || return 0
  remember "$@"
  for pid; do
    if same "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  wait_exited "$KILL_WAIT_S" "$@" && return 0
  mapfile -t left < <(still_running "$@")
  log "error: still running ${KILL_WAIT_S}s after SIGKILL: ${left[*]}"
  return 1
}

# wait_reaped PID...: waits up to REAP_WAIT_S until the parents (init, for the daemons) have
# collected the exited processes, so that none of their PIDs exists any more when `down` returns.
wait_reaped() {
  local pid t left=()
  for ((t = 0; t <= REAP_WAIT_S * 10; t++)); do
    left=()
    for pid; do
      if same "$pid"; then left+=("$pid"); fi
    done
    [ ${#left[@]} -gt 0 ] || return 0
    sleep 0.1
  done
  log "exited, but not yet collected by their parent (zombies): ${left[*]}"
}

stop_all() {
  local f pid node daemons=() steps=()
  for f in "$RUN"/slurmd-*.pid "$CTLD_PID"; do
    pid=$(pid_from "$f") && daemons+=("$pid")
  done
  # slurmctld's helper (slurmscriptd) goes with it, unless slurmctld has to be killed.
  if pid=$(pid_from "$CTLD_PID"); then
    mapfile -t steps < <(pgrep -P "$pid")
  fi
  # Job steps still running on the nodes (slurmstepd, srun, tasks): found through the node's UTS
  # namespace while its slurmd is still there, killed once slurmd has gone (slurmstepd ignores
  # SIGTERM).
  for f in "$RUN"/slurmd-*.uts; do
    [ -e "$f" ] || continue
    node=${f##*/slurmd-}
    node=${node%.uts}
    while read -r pid; do
      [[ " ${daemons[*]} " == *" $pid "* ]] || steps+=("$pid")
    done < <(ns_members "$node")
  done
  local rc=0
  terminate "${daemons[@]}" || rc=1
  kill_now "${steps[@]}" || rc=1
  # munged last: the others may still talk to it while they shut down.
  if pid=$(pid_from "$MUNGE_PID"); then
    daemons+=("$pid")
    terminate "$pid" || rc=1
  fi
  [ ${#daemons[@]} -eq 0 ] || wait_reaped "${daemons[@]}"
  rm -f "$RUN"/*.pid "$RUN"/*.uts "$MUNGE_PID"
  remove_host_entries
  return $rc
}

# Where a private mount namespace cannot be made (a chroot: its root is no mount point), the node
# names go into /etc/hosts itself, marked, and come out again on `down`.
readonly HOSTS_MARK="# parakit slurm-local"
add_host_entries() {
  [ -e /etc/hosts ] || { printf '127.0.0.1 localhost\n' >/etc/hosts && touch "$STATE/hosts-created"; }
  printf '127.0.0.1 %s %s %s\n' "$(node_names "$1" | tr '\n' ' ')" "$HOSTS_MARK" "$STATE" >>/etc/hosts
}
remove_host_entries() {
  [ -e /etc/hosts ] && grep -qF "$HOSTS_MARK $STATE" /etc/hosts || return 0
  local kept
  kept=$(grep -vF "$HOSTS_MARK $STATE" /etc/hosts || true)
  printf '%s\n' "$kept" >/etc/hosts
  if [ -e "$STATE/hosts-created" ] && [ "$kept" = "127.0.0.1 localhost" ]; then rm -f /etc/hosts; fi
  rm -f "$STATE/hosts-created"
}

# daemon_status: one line per daemon; returns 0 if all are alive, 1 if any is dead, 2 if none is
# known (the cluster has never been started here, or has been cleanly stopped).
daemon_status() {
  local n name pid all=0 any=0 state names=(munged slurmctld) files=("$MUNGE_PID" "$CTLD_PID") i
  n=$(recorded_nodes) || n=0
  for name in $(node_names "$n"); do
    names+=("slurmd-$name")
    files+=("$RUN/slurmd-$name.pid")
  done
  [ -e "$MUNGE_PID" ] || [ -e "$CTLD_PID" ] || compgen -G "$RUN/slurmd-*.pid" >/dev/null || return 2
  for i in "${!names[@]}"; do
    pid=$(head -n 1 "${files[$i]}" 2>/dev/null) || pid=
    if ours "$pid"; then state=alive any=1; else state=dead all=1; fi
    printf '%-12s pid %-8s %s\n' "${names[$i]}" "${pid:--}" "$state"
  done
  [ $any -eq 1 ] || return 2
  return $all
}

print_env() {
  printf 'export SLURM_CONF=%q\n' "$CONF"
  printf 'export PARAKIT_SLURM_DIR=%q\n' "$STATE"
}

# show_logs NAME...: the last 20 lines of each daemon's output on stderr. NAME.out (its stderr) has
# everything, including what it said before it opened its log file; NAME.log is the fallback.
show_logs() {
  local name f
  for name in "$@"; do
    f=$LOGS/$name.out
    [ -s "$f" ] || f=$LOGS/$name.log
    [ -s "$f" ] || continue
    printf '==> %s (last 20 lines) <==\n' "$f" >&2
    tail -n 20 "$f" >&2
  done
}

ensure_packages() {
  local b missing=() out
  for b in slurmctld slurmd munged mungekey sinfo; do
    command -v "$b" >/dev/null 2>&1 || missing+=("$b")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; install slurm-wlm and munge (needs root)"
  log "installing slurm-wlm and munge with apt-get (missing: ${missing[*]})"
  out=$(mktemp)
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge \
    || { DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge; }; } \
    >"$out" 2>&1; then
    tail -n 20 "$out" >&2
    rm -f "$out"
    die "apt-get install slurm-wlm munge failed"
  fi
  rm -f "$out"
}

write_conf() {
  local nodes=$1 cpus=$2 task_plugin=$3 i
  {
    cat <<EOF
# Written by scripts/slurm-local.sh: a private test/demo cluster on one host. Do not edit; rerun up.
ClusterName=parakit
SlurmctldHost=$(hostname -s)(127.0.0.1)
SlurmctldPort=$PORT_BASE
SlurmdPort=$((PORT_BASE + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET,cred_expire=$CRED_EXPIRE
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool/%n
TmpFS=$STATE/tmp/%n
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$RUN/slurmd-%n.pid
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd-%n.log
SlurmctldDebug=info
MailProg=/bin/true
SlurmdDebug=info
# No cgroups: plain process tracking; CPU binding only where the node's CPUs really exist.
ProctrackType=proctrack/linuxproc
TaskPlugin=$task_plugin
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$STATE/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
# The fake nodes report the configured CPUs, not the host's.
SlurmdParameters=config_overrides
MpiDefault=pmix
# Schedule at once on submit and on completion (sbatch --wait returns in ~2 s instead of ~10 s), and
# look at pending jobs every second (a requeued job starts as soon as it is eligible again).
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=1,bf_interval=1
# Reject at submission what can never run, instead of leaving it pending forever.
EnforcePartLimits=ALL
ReturnToService=2
SlurmdTimeout=60
SlurmctldTimeout=60
MessageTimeout=10
InactiveLimit=0
KillWait=5
# sbatch --wait polls every 2 s only while MinJobAge <= 4.
MinJobAge=4
JobRequeue=1
NodeName=DEFAULT CPUs=$cpus Sockets=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=512 State=UNKNOWN
EOF
    for ((i = 1; i <= nodes; i++)); do
      printf 'NodeName=pk%d NodeHostname=pk%d NodeAddr=127.0.0.1 Port=%d\n' "$i" "$i" "$((PORT_BASE + i))"
    done
    printf 'PartitionName=debug Nodes=pk[1-%d] Default=YES MaxTime=INFINITE State=UP\n' "$nodes"
    if [ -n "${PARAKIT_SLURM_EXTRA_CONF:-}" ]; then
      printf '# PARAKIT_SLURM_EXTRA_CONF\n%s\n' "$PARAKIT_SLURM_EXTRA_CONF"
    fi
  } >"$CONF"
}

# start_bg PIDFILE OUTFILE CMD...: CMD in the background in a new session, its stdio away from ours
# (so that `$(slurm-local.sh up)` does not wait for the daemons). setsid and unshare exec in place,
# so $! is the daemon's own PID.
start_bg() {
  local pidfile=$1 out=$2
  shift 2
  setsid "$@" </dev/null >>"$out" 2>&1 &
  printf '%s\n' "$!" >"$pidfile"
  disown "$!"
}

STARTING=0
on_exit() {
  if [ "$STARTING" -eq 1 ]; then
    log "start-up failed; stopping what was started"
    STOP_GRACE_S=2
    stop_all
  fi
}

# fail_start MESSAGE NAME...: report, show those daemons' logs, and let the exit trap clean up.
fail_start() {
  local msg=$1
  shift
  log "error: $msg"
  show_logs "$@"
  exit 1
}

cmd_up() {
  local nodes=1 cpus ncpu task_plugin rc name pid ns deadline states idle t0 ms
  ncpu=$(nproc)
  cpus=$ncpu
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes | --cpus)
        [ $# -ge 2 ] || die "up: $1 wants a value"
        if [ "$1" = --nodes ]; then nodes=$2; else cpus=$2; fi
        shift 2
        ;;
      --nodes=*) nodes=${1#*=} && shift ;;
      --cpus=*) cpus=${1#*=} && shift ;;
      *) die "up: unknown argument: $1 (usage: up [--nodes N] [--cpus C])" ;;
    esac
  done
  if ! [[ $nodes =~ ^[1-9][0-9]*$ ]] || [ "$nodes" -gt 64 ]; then
    die "--nodes wants 1..64, got '$nodes'"
  fi
  [[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus wants a positive integer, got '$cpus'"
  if ! [[ $CRED_EXPIRE =~ ^[0-9]+$ ]] || [ "$CRED_EXPIRE" -lt 5 ]; then
    die "PARAKIT_SLURM_CRED_EXPIRE wants 5 seconds or more (Slurm ignores less), got '$CRED_EXPIRE'"
  fi
  if ! [[ $PORT_BASE =~ ^[0-9]+$ ]] || [ "$PORT_BASE" -lt 1024 ] || [ $((PORT_BASE + nodes)) -gt 65535 ]; then
    die "PARAKIT_SLURM_PORT=$PORT_BASE leaves no room for $nodes node ports"
  fi

  rc=0
  daemon_status >/dev/null || rc=$?
  if [ $rc -eq 0 ]; then
    if [ "$(cat "$INFO")" = "$(printf 'nodes=%s\ncpus=%s\n' "$nodes" "$cpus")" ]; then
      log "already up ($nodes node(s), $cpus CPU(s) each)"
      cmd_status >&2 || true
      print_env
      return 0
    fi
    die "already up with a different shape ($(paste -sd' ' "$INFO")); run '$0 down' first"
  elif [ $rc -eq 1 ]; then
    log "some daemons of a previous start are dead; stopping the rest and starting afresh"
  fi

  [[ $STATE != *[[:space:]]* ]] || die "the state directory must not contain blanks: '$STATE'"
  # Unix socket paths (munge, slurmstepd, PMIx) must stay under 108 bytes.
  [ ${#STATE} -le 64 ] || log "warning: long state directory path (${#STATE} chars); sockets under it may fail"

  ensure_packages
  STARTING=1
  stop_all || fail_start "the daemons of the previous start could not be stopped"

  # Cold start: no stale job state, spool or logs (job ids start again at 1). Keep the munge key.
  mkdir -p "$STATE"
  rm -rf "$STATE/ctld" "$STATE/spool" "$STATE/tmp" "$RUN" "$LOGS" "$STATE/jobcomp.txt" "$CONF" \
    "$STATE/hosts" "$INFO" "$MUNGE_DIR/munge.socket" "$MUNGE_DIR/munge.socket.lock" \
    "$MUNGE_DIR/munged.seed"
  mkdir -p "$STATE/ctld" "$RUN" "$LOGS" "$MUNGE_DIR"
  # munged wants its socket directory searchable by all, and its key private.
  chmod 755 "$STATE" "$MUNGE_DIR"
  if [ ! -s "$MUNGE_KEY" ]; then
    rm -f "$MUNGE_KEY"
    mungekey --create --keyfile="$MUNGE_KEY" 2>/dev/null ||
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
  fi
  chmod 600 "$MUNGE_KEY"
  for name in $(node_names "$nodes"); do mkdir -p "$STATE/spool/$name" "$STATE/tmp/$name"; done
  # Each node resolves the node names through a private copy of /etc/hosts bound over the real one in
  # its own mount namespace; where none can be made (a chroot), through marked lines in /etc/hosts.
  if [ "${PARAKIT_SLURM_HOSTS:-auto}" != etc ] && [ -e /etc/hosts ] && unshare --mount true 2>/dev/null; then
    private_hosts=1
    { cat /etc/hosts && printf '127.0.0.1 %s\n' "$(node_names "$nodes" | tr '\n' ' ')"; } >"$STATE/hosts"
  else
    private_hosts=0
    add_host_entries "$nodes"
  fi
  printf 'nodes=%s\ncpus=%s\n' "$nodes" "$cpus" >"$INFO"

  # task/affinity would bind tasks to CPUs that do not exist when a node claims more than the host has.
  if [ "$cpus" -le "$ncpu" ]; then task_plugin=task/affinity; else task_plugin=task/none; fi
  write_conf "$nodes" "$cpus" "$task_plugin"

  t0=${EPOCHREALTIME/./}
  deadline=$((SECONDS + START_DEADLINE_S))
  start_bg "$MUNGE_PID" "$LOGS/munged.out" munged --foreground --force --socket="$MUNGE_SOCKET" \
    --key-file="$MUNGE_KEY" --pid-file="$MUNGE_PID" --log-file="$LOGS/munged.log" \
    --seed-file="$MUNGE_DIR/munged.seed"
  pid=$(cat "$MUNGE_PID")
  until munge --socket="$MUNGE_SOCKET" --no-input >/dev/null 2>&1; do
    ours "$pid" || fail_start "munged exited during start-up" munged
    [ $SECONDS -lt $deadline ] || fail_start "munged did not answer within ${START_DEADLINE_S}s" munged
    sleep 0.2
  done

  start_bg "$CTLD_PID" "$LOGS/slurmctld.out" slurmctld -D -c -f "$CONF"
  # slurmd registers at once if slurmctld already listens; otherwise it retries a second later.
  pid=$(cat "$CTLD_PID")
  until SLURM_CONF=$CONF timeout 2 scontrol ping 2>/dev/null | grep -q 'is UP'; do
    ours "$pid" || fail_start "slurmctld exited during start-up" slurmctld
    [ $SECONDS -lt $deadline ] || fail_start "slurmctld did not answer within ${START_DEADLINE_S}s" slurmctld
    sleep 0.1
  done
  for name in $(node_names "$nodes"); do
    # shellcheck disable=SC2016 # $1..$3 are expanded by the inner sh
    if [ "$private_hosts" = 1 ]; then
      start_bg "$RUN/slurmd-$name.pid" "$LOGS/slurmd-$name.out" \
        unshare --uts --mount sh -c 'hostname "$1" && mount --bind "$2" /etc/hosts && exec slurmd -D -N "$1" -f "$3"' \
        sh "$name" "$STATE/hosts" "$CONF"
    else
      start_bg "$RUN/slurmd-$name.pid" "$LOGS/slurmd-$name.out" \
        unshare --uts sh -c 'hostname "$1" && exec slurmd -D -N "$1" -f "$3"' sh "$name" "$STATE/hosts" "$CONF"
    fi
  done

  while :; do
    pid=$(cat "$CTLD_PID" 2>/dev/null) || pid=
    ours "$pid" || fail_start "slurmctld exited during start-up" slurmctld
    for name in $(node_names "$nodes"); do
      pid=$(cat "$RUN/slurmd-$name.pid" 2>/dev/null) || pid=
      ours "$pid" || fail_start "slurmd $name exited during start-up" "slurmd-$name" slurmctld
    done
    states=$(SLURM_CONF=$CONF timeout 5 sinfo -h -N -o '%N %T' 2>/dev/null) || states=
    idle=$(printf '%s\n' "$states" | awk '$2 == "idle"' | sort -u | wc -l)
    [ "$idle" -lt "$nodes" ] || break
    if printf '%s\n' "$states" | grep -q ' inval'; then
      log "node states: $(printf '%s' "$states" | tr '\n' ',')"
      # shellcheck disable=SC2046
      fail_start "slurmctld rejected a node's registration" slurmctld $(node_names "$nodes" | sed 's/^/slurmd-/')
    fi
    if [ $SECONDS -ge $deadline ]; then
      log "node states: $(printf '%s' "$states" | tr '\n' ',')"
      # shellcheck disable=SC2046
      fail_start "not all nodes idle within ${START_DEADLINE_S}s" slurmctld $(node_names "$nodes" | sed 's/^/slurmd-/')
    fi
    sleep 0.2
  done
  # Record each node's UTS namespace, so that `down` can find the job steps running there. Only now:
  # right after the start, $! may not have entered its new namespace yet.
  for name in $(node_names "$nodes"); do
    pid=$(cat "$RUN/slurmd-$name.pid")
    ns=$(readlink "/proc/$pid/ns/uts")
    [ "$ns" != "$(readlink /proc/$$/ns/uts)" ] || fail_start "slurmd $name is not in a namespace of its own" "slurmd-$name"
    printf '%s\n' "$ns" >"$RUN/slurmd-$name.uts"
  done
  STARTING=0
  ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
  log "up in ${ms} ms: $nodes node(s) (pk1..pk$nodes), $cpus CPU(s) each, slurmctld port $PORT_BASE, state in $STATE"
  print_env
}

cmd_status() {
  local rc=0 pid
  daemon_status || rc=$?
  if [ $rc -eq 2 ]; then
    echo "down (nothing started from $STATE)"
    return 1
  fi
  if pid=$(pid_from "$CTLD_PID"); then
    SLURM_CONF=$CONF timeout 10 sinfo || rc=1
  fi
  return $rc
}

cmd_down() {
  stop_all || die "down: some processes could not be stopped (see above)"
  log "down"
}

cmd_env() {
  [ -e "$CONF" ] || die "no cluster configured in $STATE; run '$0 up' first"
  print_env
}

trap on_exit EXIT
trap 'exit 130' INT TERM

case ${1:-} in
  up) shift && cmd_up "$@" ;;
  status) cmd_status ;;
  down) cmd_down ;;
  env) cmd_env ;;
  *)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit 2
    ;;
esac

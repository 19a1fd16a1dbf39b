#!/usr/bin/env bash
# A throw-away single-node SLURM cluster for tests: munged, slurmctld and slurmd from Debian's slurm-wlm and munge,
# on this machine, with every file (munge key and socket, slurm.conf, spool, state, logs, PID files) in DIR.
#
#   tests/slurm/cluster.sh start DIR   starts the daemons, waits until sinfo shows the node idle, and prints
#                                      "export SLURM_CONF=DIR/slurm.conf" (the clients sbatch, squeue, scancel,
#                                      sinfo and scontrol find the cluster through it)
#   tests/slurm/cluster.sh stop DIR    cancels every job, runs scontrol shutdown, stops the daemons by their PIDs
#                                      (SIGKILL after 10 s), and leaves nothing running
#
# Needs root (slurmd runs jobs as their submitting user; CI runs as root). Ports are picked free on loopback, so two
# clusters (two test runs) never meet. Exit code 3 when the SLURM or munge binaries are missing.
set -uo pipefail

cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
dir=$(realpath -m "$dir")
conf="$dir/slurm.conf"
export SLURM_CONF="$conf"

log() { echo "cluster.sh: $*" >&2; }

pid_of() { [ -s "$dir/$1.pid" ] && cat "$dir/$1.pid"; }

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Stops one daemon by the PID we recorded: SIGTERM, then SIGKILL after 10 s.
stop_pid() {
  local name=$1 pid
  pid=$(pid_of "$name") || return 0
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    if alive "$pid"; then
      log "$name ($pid) still running after 10 s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  rm -f "$dir/$name.pid"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  for b in munged slurmctld slurmd sbatch sinfo scontrol scancel squeue; do
    if ! command -v "$b" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$b" ]; then
      log "$b not found: install the Debian packages slurm-wlm and munge"
      exit 3
    fi
  done
  PATH="$PATH:/usr/sbin"
  if [ "$(id -u)" -ne 0 ]; then
    log "must run as root (slurmd starts jobs as their submitting user)"
    exit 3
  fi
  mkdir -p "$dir"/{munge,spool,state,log}
  chmod 700 "$dir/munge"
  local host cpus mem ctld_port d_port
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) / 2 ))
  ctld_port=$(free_port)
  d_port=$(free_port)
  while [ "$d_port" = "$ctld_port" ]; do d_port=$(free_port); done

  # munge: a fresh key and its own socket, so the system's munged (if any) is never touched.
  head -c 1024 /dev/urandom > "$dir/munge/munge.key"
  chmod 400 "$dir/munge/munge.key"
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
    --pid-file="$dir/munge.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed" || {
    log "munged did not start (see $dir/log/munged.log)"; exit 1; }

  cat > "$conf" <<CONF
# Written by tests/slurm/cluster.sh: a single-node test cluster; everything lives in $dir.
ClusterName=thighsegtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
KillWait=5
MinJobAge=600
SchedulerParameters=sched_interval=1
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  echo "$ctld_port $d_port" > "$dir/ports"

  # -i: ignore any saved state; -D would keep them in the foreground, so they daemonise and write their PID files.
  slurmctld -f "$conf" -i || { log "slurmctld did not start (see $dir/log/slurmctld.log)"; stop; exit 1; }
  slurmd -f "$conf" -N "$host" || { log "slurmd did not start (see $dir/log/slurmd.log)"; stop; exit 1; }

  for _ in $(seq 1 300); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1)
    if [ "$state" = "idle" ]; then
      echo "export SLURM_CONF=$conf"
      return 0
    fi
    sleep 0.1
  done
  log "the node did not become idle within 30 s (state: ${state:-none}); logs in $dir/log"
  stop
  exit 1
}

stop() {
  PATH="$PATH:/usr/sbin"
  if [ -f "$conf" ] && alive "$(pid_of slurmctld)"; then
    # Cancel every job of this cluster and wait until its steps are gone, so no job process outlives the cluster.
    scancel --full --quiet --signal=KILL --user="$(id -un)" 2>/dev/null
    scancel --quiet --user="$(id -un)" 2>/dev/null
    for _ in $(seq 1 100); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
    scontrol shutdown >/dev/null 2>&1
    for _ in $(seq 1 50); do
      alive "$(pid_of slurmctld)" || alive "$(pid_of slurmd)" || break
      sleep 0.1
    done
  fi
  stop_pid slurmd
  stop_pid slurmctld
  stop_pid munge
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac

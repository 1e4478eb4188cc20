#!/usr/bin/env bash
# Single-node SLURM cluster on 127.0.0.1, for testing the workflow's SLURM profile
# (profiles/slurm) with the real `snakemake-executor-plugin-slurm`.
#
#   tests/slurm/cluster.sh up       install packages if missing, start every daemon, wait until
#                                   the node is idle and accounting answers
#   tests/slurm/cluster.sh down     stop the daemons this script started (by PID), nothing else
#   tests/slurm/cluster.sh status   show which of our daemons run; sinfo when the cluster is up
#   tests/slurm/cluster.sh env      print `export SLURM_CONF=...` (optional: clients also find the
#                                   config through /etc/slurm/slurm.conf while the cluster is up)
#
# Needs root and Debian/Ubuntu apt (packages: munge, slurmctld, slurmd, slurm-client, slurmdbd,
# mariadb-server; slurm-wlm 22.05 on Debian 12). No systemd: daemons are started by hand.
#
# Isolation: everything lives in one private state directory ($EQP_SLURM_DIR, default
# /var/lib/eqprecursors-slurm): slurm.conf, slurmdbd.conf, a private munge key and socket,
# a private MariaDB datadir, spool dirs, logs and PID files. /etc/munge is not touched, no
# system service is started, and the daemons listen on non-default ports (slurmctld 16817,
# slurmd 16818, slurmdbd 16819, MariaDB 16306 on 127.0.0.1).
# The one thing outside the state directory is a symlink /etc/slurm/slurm.conf -> our config,
# removed by `down`. SLURM_CONF alone is not enough: the Snakemake jobstep plugin strips every
# SLURM_* variable, SLURM_CONF included, before its `srun` inside the job, so srun must find the
# config at the compiled-in default path. A real /etc/slurm/slurm.conf (a file, or a link that
# is not ours) is never replaced: `up` refuses to run on such a machine.
#
# Ownership: each daemon writes its PID file inside $EQP_SLURM_DIR (see pidfile()). `down` reads
# those files and stops a PID only if it is alive AND its /proc/PID/comm is the daemon we started
# there, so stale PID files (PID reused after a reboot or a crash) are harmless. `up` always
# starts by running `down` and wiping the state directory: a cluster left over from an earlier
# (crashed) run is replaced by a fresh one with an empty job database.
#
# Env knobs:
#   EQP_SLURM_DIR      state directory (default /var/lib/eqprecursors-slurm)
#   EQP_SLURM_SKIP_APT=1  never call apt-get (fail if a package is missing)
#   EQP_SLURM_CPUS     CPUs the node declares (default 16)
#   EQP_SLURM_MEM_MB   RealMemory the node declares, in MB (default 65536)
#   EQP_SLURM_ACCOUNT  SLURM account created in slurmdbd for the current user (default eqprecursors)
set -euo pipefail

STATE=${EQP_SLURM_DIR:-/var/lib/eqprecursors-slurm}
ETC=$STATE/etc
PIDS=$STATE/pid
LOGS=$STATE/log
CLUSTER=eqpci
ACCOUNT=${EQP_SLURM_ACCOUNT:-eqprecursors}
CTLD_PORT=16817
SLURMD_PORT=16818
DBD_PORT=16819
DB_PORT=16306
DB_PASS=eqp-slurm-test   # local-only throwaway database on 127.0.0.1
MUNGE_SOCKET=$STATE/munge/munge.socket
DB_SOCKET=$STATE/mariadb-run/mariadb.sock
SYSTEM_CONF=/etc/slurm/slurm.conf
export SLURM_CONF=$ETC/slurm.conf

# Start order; `down` stops them in reverse. name:comm (comm = /proc/PID/comm of the daemon)
DAEMONS=(munged:munged mariadbd:mariadbd slurmdbd:slurmdbd slurmctld:slurmctld slurmd:slurmd)

log() { printf '[eqp-slurm %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# wait_for SECONDS DESCRIPTION CMD... : poll CMD every 0.25 s until it succeeds
wait_for() {
  local t=$1 what=$2 end
  shift 2
  end=$((SECONDS + t))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= end)); then
      log "timeout after ${t}s waiting for $what"
      return 1
    fi
    sleep 0.25
  done
}

# pidfile NAME : where daemon NAME writes its PID file. munged and mariadbd drop root before
# writing it, so theirs lie in directories owned by their own users.
pidfile() {
  case $1 in
    munged) echo "$STATE/munge/munged.pid" ;;
    mariadbd) echo "$STATE/mariadb-run/mariadbd.pid" ;;
    *) echo "$PIDS/$1.pid" ;;
  esac
}

# our_pid NAME COMM : print the PID recorded in pidfile NAME if that process is alive and is
# really COMM; print nothing otherwise (missing or stale PID file).
our_pid() {
  local f p
  f=$(pidfile "$1")
  [[ -s $f ]] || return 0
  p=$(tr -dc '0-9' <"$f")
  [[ -n $p ]] || return 0
  if kill -0 "$p" 2>/dev/null && [[ $(cat "/proc/$p/comm" 2>/dev/null) == "$2" ]]; then
    echo "$p"
  fi
}

# kill_pid PID WHAT : SIGTERM, then SIGKILL if still alive after 10 s
kill_pid() {
  log "stopping $2 (pid $1)"
  kill "$1" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$1" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$1" 2>/dev/null; then
    log "$2 (pid $1) ignored SIGTERM, sending SIGKILL"
    kill -9 "$1" 2>/dev/null || true
  fi
}

# stop NAME COMM : stop the PID recorded in NAME's PID file (if it is still COMM), remove the file
stop() {
  local p
  p=$(our_pid "$1" "$2")
  [[ -z $p ]] || kill_pid "$p" "$1"
  rm -f "$(pidfile "$1")"
}

# strays : PIDs of daemons of this cluster whose PID file is gone (state directory removed by
# hand while they ran). Ours only: the comm is one of our daemons AND its command line or
# environment names $STATE (every daemon is started with `-f`/`--datadir`/... or
# SLURM_CONF pointing there). Never matched by name alone.
strays() {
  local d p comm
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    comm=$(cat "$d/comm" 2>/dev/null) || continue
    case $comm in munged | mariadbd | slurmdbd | slurmctld | slurmd | slurmstepd) ;; *) continue ;; esac
    if tr '\0' '\n' <"$d/cmdline" 2>/dev/null | grep -qF "$STATE/" ||
      tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$SLURM_CONF"; then
      echo "$p:$comm"
    fi
  done
}

# port_free PORT : true if nothing listens on 127.0.0.1:PORT
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# our_link : true if /etc/slurm/slurm.conf is the symlink `up` made (possibly dangling)
our_link() { [[ -L $SYSTEM_CONF && $(readlink "$SYSTEM_CONF") == "$SLURM_CONF" ]]; }

cmd_down() {
  local i entry
  if [[ -d $STATE ]]; then
    # Jobs still running on our cluster (e.g. a test that timed out): cancel them while
    # slurmctld is up: stopping slurmd would leave their processes running.
    if [[ -n $(our_pid slurmctld slurmctld) ]]; then
      local jobs
      jobs=$(timeout 10 squeue -h -o %A 2>/dev/null | tr '\n' ' ') || true
      if [[ -n ${jobs// /} ]]; then
        log "cancelling jobs still queued or running: $jobs"
        # shellcheck disable=SC2086
        timeout 10 scancel $jobs || true
        # shellcheck disable=SC2016 # expanded by the inner bash, on each poll
        wait_for 20 "jobs to end" bash -c '[[ -z $(squeue -h -o %A) ]]' || true
      fi
    fi
    for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
      entry=${DAEMONS[i]}
      stop "${entry%%:*}" "${entry##*:}"
    done
  fi
  for entry in $(strays); do
    kill_pid "${entry%%:*}" "stray ${entry##*:} of an earlier run"
  done
  if our_link; then rm -f "$SYSTEM_CONF"; fi
}

cmd_status() {
  local entry p rc=0
  for entry in "${DAEMONS[@]}"; do
    p=$(our_pid "${entry%%:*}" "${entry##*:}")
    if [[ -n $p ]]; then echo "${entry%%:*}: running (pid $p)"; else echo "${entry%%:*}: stopped"; rc=1; fi
  done
  if ((rc == 0)); then
    sinfo
  fi
  return $rc
}

install_packages() {
  local pkgs=(munge slurmctld slurmd slurm-client slurmdbd mariadb-server) missing=() p
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [[ ${EQP_SLURM_SKIP_APT:-0} != 1 ]] || die "missing packages ${missing[*]} and EQP_SLURM_SKIP_APT=1"
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get"
  log "apt-get install ${missing[*]}"
  # Keep the package scripts from starting the system services (we start private ones by
  # hand): a policy-rc.d that denies everything, only for the duration of the install.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && own_policy=1
  fi
  # wait (up to 5 min) for a dpkg lock held by another apt, instead of failing at once
  local rc=0 lock=(-o DPkg::Lock::Timeout=300)
  {
    apt-get "${lock[@]}" update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y -qq --no-install-recommends \
        "${missing[@]}" >"$STATE/apt.log" 2>&1
  } || rc=$?
  ((own_policy)) && rm -f "$policy"
  ((rc == 0)) || { tail -20 "$STATE/apt.log" >&2 || true; die "apt-get install failed (rc $rc)"; }
}

start_munge() {
  install -d -o munge -g munge -m 0700 "$STATE/munge"
  # private key, never /etc/munge/munge.key
  dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
  chown munge:munge "$STATE/munge/munge.key"
  chmod 0400 "$STATE/munge/munge.key"
  # the socket dir must be reachable by clients (root here, but keep it world-executable)
  chmod 0711 "$STATE/munge"
  runuser -u munge -- /usr/sbin/munged \
    --key-file="$STATE/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$(pidfile munged)" --log-file="$STATE/munge/munged.log" \
    --seed-file="$STATE/munge/munged.seed"
  wait_for 15 munged bash -c "munge -S '$MUNGE_SOCKET' -n | unmunge -S '$MUNGE_SOCKET'"
}

start_mariadb() {
  install -d -o mysql -g mysql -m 0750 "$STATE/mariadb"
  install -d -o mysql -g mysql -m 0755 "$STATE/mariadb-run" # socket, PID file, error log
  mariadb-install-db --user=mysql --datadir="$STATE/mariadb" --auth-root-authentication-method=socket \
    --skip-test-db >"$LOGS/mariadb-install.log" 2>&1 ||
    { tail -20 "$LOGS/mariadb-install.log" >&2; die "mariadb-install-db failed"; }
  # --no-defaults: ignore /etc/mysql (a system server may be configured there)
  setsid /usr/sbin/mariadbd --no-defaults --user=mysql --datadir="$STATE/mariadb" \
    --socket="$DB_SOCKET" --port=$DB_PORT --bind-address=127.0.0.1 \
    --pid-file="$(pidfile mariadbd)" --log-error="$STATE/mariadb-run/mariadbd.log" \
    --innodb-buffer-pool-size=64M --innodb-log-file-size=16M --skip-name-resolve \
    </dev/null >/dev/null 2>&1 &
  wait_for 60 mariadb mariadb-admin --no-defaults --socket="$DB_SOCKET" ping
  mariadb --no-defaults --socket="$DB_SOCKET" <<EOF
CREATE DATABASE slurm_acct_db;
CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
FLUSH PRIVILEGES;
EOF
}

write_configs() {
  local ncpu=${EQP_SLURM_CPUS:-16} mem_mb=${EQP_SLURM_MEM_MB:-65536}
  cat >"$ETC/slurm.conf" <<EOF
# Written by tests/slurm/cluster.sh: a throwaway single-node test cluster, not a template.
ClusterName=$CLUSTER
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
MpiDefault=none
MailProg=/bin/true
# No cgroup plugins: works in containers and VMs without a delegated cgroup tree.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
ReturnToService=2
SlurmctldPidFile=$PIDS/slurmctld.pid
SlurmdPidFile=$PIDS/slurmd.pid
StateSaveLocation=$STATE/spool/slurmctld
SlurmdSpoolDir=$STATE/spool/slurmd
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Keep finished jobs in slurmctld for 5 min, so --slurm-status-command=squeue also works.
MinJobAge=300
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$DBD_PORT
# For the slurmdbd connection, the munge socket is given here (AuthInfo does not cover it).
AccountingStoragePass=$MUNGE_SOCKET
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=30
JobCompType=jobcomp/none
# Store the job comment: the Snakemake plugin writes rule_<rule>_wildcards_<...> there, so
# sacct -o JobID,Comment%60,State tells which rule a job ran.
AccountingStoreFlags=job_comment
# RealMemory is required: without it the node has 1 MB and every --mem request is rejected.
# The node declares more CPUs and memory than the machine may have (config_overrides: slurmd
# trusts this line), so that every request of profiles/slurm (8 threads, 16 GB x attempt) is
# schedulable here. Nothing is enforced without cgroups, and the test jobs are tiny.
SlurmdParameters=config_overrides
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$ncpu RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  cat >"$ETC/slurmdbd.conf" <<EOF
# Written by tests/slurm/cluster.sh
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$DBD_PORT
SlurmUser=root
LogFile=$LOGS/slurmdbd.log
PidFile=$PIDS/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$DB_PORT
StorageLoc=slurm_acct_db
StorageUser=slurm
StoragePass=$DB_PASS
EOF
  chmod 0600 "$ETC/slurmdbd.conf" # slurmdbd refuses a readable conf holding a password
}

cmd_up() {
  local t0=$SECONDS port
  [[ $EUID -eq 0 ]] || die "must run as root"
  if [[ -e $SYSTEM_CONF || -L $SYSTEM_CONF ]] && ! our_link; then
    die "$SYSTEM_CONF exists and was not made by this script: this machine already has a" \
      "SLURM configuration, which a test cluster must not replace"
  fi
  # Replace whatever an earlier run left: our daemons (by PID file) and the whole state dir.
  cmd_down
  rm -rf "$STATE"
  install -d -m 0755 "$STATE" "$ETC" "$PIDS" "$LOGS" "$STATE/spool/slurmctld" "$STATE/spool/slurmd"
  install_packages
  log "packages ready (+$((SECONDS - t0))s)"
  for port in $CTLD_PORT $SLURMD_PORT $DBD_PORT $DB_PORT; do
    port_free "$port" || die "port $port on 127.0.0.1 is taken by a process this script did not start"
  done
  # If anything below fails, stop what was already started before exiting.
  trap 'rc=$?; if ((rc)); then log "bring-up failed, logs in $LOGS; stopping what was started"; cmd_down; fi' EXIT

  start_munge
  log "munged up, pid $(cat "$(pidfile munged)") (+$((SECONDS - t0))s)"
  start_mariadb
  log "mariadbd up, pid $(cat "$(pidfile mariadbd)") (+$((SECONDS - t0))s)"
  write_configs
  install -d -m 0755 "$(dirname "$SYSTEM_CONF")"
  ln -sfn "$SLURM_CONF" "$SYSTEM_CONF"
  # Each daemon gets the config explicitly; SLURM_CONF (exported above) covers the clients.
  SLURM_CONF=$ETC/slurm.conf /usr/sbin/slurmdbd
  wait_for 30 slurmdbd port_free_not $DBD_PORT
  log "slurmdbd up, pid $(cat "$PIDS/slurmdbd.pid") (+$((SECONDS - t0))s)"
  /usr/sbin/slurmctld -f "$ETC/slurm.conf"
  wait_for 30 slurmctld scontrol ping
  /usr/sbin/slurmd -f "$ETC/slurm.conf" -N localhost # -N: node name independent of `hostname`
  wait_for 60 "node idle" bash -c "sinfo -h -n localhost -o %t | grep -qx idle"
  # slurmctld registers the cluster in slurmdbd by itself; add an account for the test user
  # so that jobs can be submitted with `slurm_account` like on a real cluster.
  wait_for 30 "cluster in slurmdbd" bash -c "sacctmgr -n -P list cluster format=cluster | grep -qx $CLUSTER"
  sacctmgr -i -Q add account "$ACCOUNT" cluster=$CLUSTER description=eqprecursors-tests >/dev/null
  sacctmgr -i -Q add user "$(id -un)" account="$ACCOUNT" cluster=$CLUSTER >/dev/null
  wait_for 30 "sacct" sacct -n -X
  trap - EXIT
  log "slurmctld pid $(cat "$PIDS/slurmctld.pid"), slurmd pid $(cat "$PIDS/slurmd.pid")"
  log "SLURM up in $((SECONDS - t0))s; use it with: export SLURM_CONF=$SLURM_CONF"
  sinfo
}

port_free_not() { ! port_free "$1"; }

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) echo "export SLURM_CONF=$SLURM_CONF" ;;
  *)
    echo "usage: $0 up|down|status|env" >&2
    exit 2
    ;;
esac

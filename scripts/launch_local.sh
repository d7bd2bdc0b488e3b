#!/usr/bin/env bash
# Starts N local processes of a command for data-parallel training, with the torchrun variables set:
#   scripts/launch_local.sh N CMD [ARGS...]
#   e.g. scripts/launch_local.sh 2 build/tools/glip_train --config configs/tiny_synthetic.yaml --data-root /tmp/world
# RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR (default 127.0.0.1) and MASTER_PORT (default: a
# free port) are exported to each process; the output of rank R is prefixed with "[rank R] ". When one process
# fails, the others are stopped; the exit status is the first non-zero one (0 when all succeed).
set -u
if [[ $# -lt 2 || ! "$1" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 N CMD [ARGS...]   (N: number of processes, >= 1)" >&2
  exit 64
fi
n=$1
shift
export WORLD_SIZE=$n LOCAL_WORLD_SIZE=$n
export MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
if [[ -z "${MASTER_PORT:-}" ]]; then
  MASTER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
                || echo $((20000 + RANDOM % 20000)))
fi
export MASTER_PORT

pids=()
for ((r = 0; r < n; r++)); do
  RANK=$r LOCAL_RANK=$r "$@" > >(sed -u "s/^/[rank $r] /") 2>&1 &
  pids+=($!)
done

stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
}
trap 'stop_all; exit 130' INT TERM

status=0
remaining=$n
while ((remaining > 0)); do
  wait -n -p done_pid "${pids[@]}" 2>/dev/null
  rc=$?
  ((remaining--))
  if ((rc != 0 && status == 0)); then
    status=$rc
    echo "[launch] a process (pid ${done_pid:-?}) exited with status $rc; stopping the others" >&2
    stop_all
  fi
done
exit $status

#!/usr/bin/env bash
# `make test-slurm`: run tests/test_slurm.py and, when pytest skipped any of it (not root, no
# apt-get, SKIP_SLURM=1, ...), print a banner with pytest's reason, so that a `make test`
# that never touched SLURM does not pass silently. A skip does not fail make; pytest's own
# exit status is kept (a failure, or status 5 when no test was collected, still fails it).
#
#   tests/slurm/run_test.sh PYTHON [PYTEST ARGS...]
set -euo pipefail

python=${1:?usage: $0 PYTHON [PYTEST ARGS...]}
shift
log=$(mktemp "${TMPDIR:-/tmp}/eqprecursors-test-slurm.XXXXXX")
trap 'rm -f "$log"' EXIT

rc=0
# -rs: pytest's short summary lists each skip as "SKIPPED [n] file:line: reason"
"$python" -m pytest -s -v -rs -m slurm tests/test_slurm.py "$@" 2>&1 | tee "$log" || rc=$?

if grep -q '^SKIPPED \[' "$log"; then
  {
    printf '\n%s\n' "$(printf '#%.0s' {1..78})"
    echo "#  SLURM TEST SKIPPED: the SLURM profile (profiles/slurm) was NOT tested."
    grep '^SKIPPED \[' "$log" |
      sed -E 's/^SKIPPED \[[0-9]+\] [^ ]+: (SLURM test skipped: )?/#  reason: /' | sort -u
    echo "#  Run as root on Debian/Ubuntu with apt-get (tests/slurm/cluster.sh) to test it."
    printf '%s\n\n' "$(printf '#%.0s' {1..78})"
  } >&2
fi
exit "$rc"

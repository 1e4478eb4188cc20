"""The rehearsal's --until planning (tests/run_rehearsal.py): the rules it names plan their
dependencies, and a rule upstream of another named rule - which makes Snakemake 9.27 stop
with 'Out of jobs ready to be started' (snakemake#823), found in the full-scale rehearsal
with baselines_ground beside metrics_table_ground - is refused with a message saying what
to name instead, not an assertion dump."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_rehearsal import dag_rules

CHAIN = """
rule all:
    input: "c.txt"
rule a:
    output: "a.txt"
    shell: "touch {output}"
rule b:
    input: "a.txt"
    output: "b.txt"
    shell: "touch {output}"
rule c:
    input: "b.txt"
    output: "c.txt"
    shell: "touch {output}"
"""


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    (tmp_path / "Snakefile").write_text(CHAIN)
    return tmp_path


def test_until_plans_the_named_rule_and_what_it_needs(chain):
    assert dag_rules(chain, {"x": 1}, "cfg", until=["b"]) == {"a": 1, "b": 1}


def test_until_refuses_a_rule_upstream_of_another_named_rule(chain):
    with pytest.raises(SystemExit, match="name only the last rules") as raised:
        dag_rules(chain, {"x": 1}, "cfg", until=["a", "b"])
    assert "--until a b" in str(raised.value)

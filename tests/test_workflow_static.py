"""Static checks of the workflow's house rules: envs, pins, directives, configs vs schema."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
RULE_FILES = sorted((ROOT / "rules").glob("*.smk"))
REQUIRED_DIRECTIVES = ("log", "benchmark", "conda", "threads", "resources")
# conda-forge name -> pip name, where they differ
CONDA_TO_PIP = {"netcdf4": "netCDF4", "tensorflow-cpu": "tensorflow-cpu", "pyyaml": "PyYAML"}


def parse_rules() -> dict[str, dict]:
    """rule name -> {directive: first line of its value}, read from rules/*.smk."""
    rules: dict[str, dict] = {}
    for path in RULE_FILES:
        current = None
        lines = path.read_text().splitlines()
        for i, line in enumerate(lines):
            if m := re.match(r"^rule (\w+):", line):
                current = rules.setdefault(m.group(1), {"file": path.name})
            elif current is not None and (m := re.match(r"^    (\w+):\s*(.*)$", line)):
                value = m.group(2) or (lines[i + 1].strip() if i + 1 < len(lines) else "")
                current[m.group(1)] = value.rstrip(",")
            elif line and not line.startswith((" ", "#")):
                current = None
    return rules


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9_.\-]+)==([^\s#]+)", line):
            pins[m.group(1).lower()] = m.group(2)
    return pins


RULES = parse_rules()


def test_rules_were_found():
    assert {"decode_ground", "select_catalog", "kp", "download_intermagnet"} <= set(RULES)


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_has_the_house_directives(name):
    missing = [d for d in REQUIRED_DIRECTIVES if d not in RULES[name]]
    assert not missing, f"rule {name} ({RULES[name]['file']}) lacks {missing}"


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_names_an_existing_pinned_env(name):
    env_path = (ROOT / "rules" / RULES[name]["conda"].strip("\"'")).resolve()
    assert env_path.is_file(), f"rule {name}: {env_path} does not exist"
    env = yaml.safe_load(env_path.read_text())
    assert env["channels"] == ["conda-forge", "nodefaults"]
    for dep in env["dependencies"]:
        assert isinstance(dep, str) and re.match(r"^[\w\-.]+=[\w.]+$", dep), (
            f"{env_path.name}: {dep!r} is not pinned"
        )


@pytest.mark.parametrize("env_path", sorted((ROOT / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_env_pins_agree_with_pip_pins(env_path):
    pins = pip_pins()
    env = yaml.safe_load(env_path.read_text())
    for dep in env["dependencies"]:
        name, version = dep.split("=", 1)
        pip_name = CONDA_TO_PIP.get(name, name).lower()
        if name == "python":
            assert version == "3.11"
        elif pip_name in pins:
            # conda-forge drops pip's local suffixes such as ".post1"
            assert pins[pip_name].startswith(version), (
                f"{name}: env {version}, pip {pins[pip_name]}"
            )
        else:
            pytest.fail(f"{env_path.name}: {name} is not pinned in requirements.txt")


@pytest.mark.parametrize(
    "config_path",
    [ROOT / "config/config.yaml", ROOT / "config/paper.yaml", ROOT / "tests/config/test.yaml"],
    ids=lambda p: p.name,
)
def test_shipped_configs_validate_against_the_schema(config_path):
    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    text = config_path.read_text().replace("{base}", "http://127.0.0.1:1")
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(text))


def test_schema_rejects_a_local_source_without_a_path():
    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text())
    config = yaml.safe_load((ROOT / "config/paper.yaml").read_text())
    del config["observatories"]["MLR"]["path"]
    with pytest.raises(jsonschema.ValidationError, match="path"):
        jsonschema.Draft202012Validator(schema).validate(config)


def test_null_config_is_the_default_without_injection():
    from snakemake.utils import update_config

    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text())
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    default_gaps = dict(config["synthetic"]["gaps"])
    assert config["synthetic"]["injection"]["ground"]["enabled"] is True
    update_config(config, yaml.safe_load((ROOT / "config/null.yaml").read_text()))
    jsonschema.Draft202012Validator(schema).validate(config)
    assert config["synthetic"]["injection"]["ground"]["enabled"] is False
    assert config["synthetic"]["injection"]["satellite"]["enabled"] is False
    assert config["synthetic"]["gaps"] == default_gaps


def test_paper_config_holds_the_papers_observatories():
    paper = yaml.safe_load((ROOT / "config/paper.yaml").read_text())["observatories"]
    assert (paper["DUR"]["latitude"], paper["DUR"]["longitude"]) == (41.390, 14.280)
    assert (paper["IZN"]["latitude"], paper["IZN"]["longitude"]) == (40.500, 29.720)
    assert (paper["MLR"]["latitude"], paper["MLR"]["longitude"]) == (45.491, 25.945)
    assert paper["DUR"]["source"] == paper["IZN"]["source"] == "intermagnet"
    assert paper["MLR"]["source"] == "local"
    assert paper["MLR"]["selection"] == {
        "min_magnitude": 4.0,
        "max_distance_km": 100.0,
        "max_depth_km": 100.0,
    }


WORKFLOW_FILES = [*RULE_FILES, ROOT / "Snakefile"]


def test_config_defaults_live_in_the_schema():
    """No `.get(key, default)` fallbacks in the rules: the schema's `default`s fill config."""
    for path in WORKFLOW_FILES:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            assert ".get(" not in line, f"{path.name}:{number}: {line.strip()}"


def test_shared_paths_are_named_once():
    """Paths of eqprecursors.ground.plan are not spelled out again in the rule files, and no
    results/ or resources/ path (logs and benchmarks aside) is written twice."""
    from collections import Counter

    from eqprecursors.ground import plan

    shared = [v for k, v in vars(plan).items() if k.isupper() and isinstance(v, str) and "/" in v]
    assert {plan.DECODED_NC, plan.CATALOG_CSV, plan.KP_CSV, plan.RUN_DIR} <= set(shared)
    literals: Counter = Counter()
    for path in WORKFLOW_FILES:
        text = path.read_text()
        for value in shared:
            assert value not in text, f"{path.name} spells out {value} (use the plan's name)"
        literals.update(re.findall(r"[\"'](?:results|resources)/(?!benchmarks/)[^\"']*", text))
    assert [p for p, n in literals.items() if n > 1] == []


def test_every_schema_default_is_valid():
    """validate(set_default=True) inserts defaults unchecked by jsonschema: check them here."""
    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            if "default" in node:
                found.append(where)
                errors = list(validator.evolve(schema=node).iter_errors(node["default"]))
                assert not errors, f"{where}: {errors[0].message}"
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(schema, "#")
    assert "#/properties/synthetic" in found and "#/properties/satellites" in found


def test_no_cluster_settings_in_rules():
    for path in RULE_FILES:
        text = path.read_text()
        assert "slurm_partition" not in text and "slurm_account" not in text, path.name

"""The deployments: prefect.yaml for a server with workers, and serve() on the local Prefect agree."""

from __future__ import annotations

import inspect

import pytest
import yaml

from tests.support import ROOT


@pytest.fixture(scope="module")
def prefect_yaml() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))


def _by_flow(prefect_yaml: dict) -> dict:
    """prefect.yaml's deployments by flow name (the entry point's file is named after its flow)."""
    return {d["entrypoint"].split("/")[-1].split(".py")[0].replace("_", "-"): d for d in prefect_yaml["deployments"]}


def test_prefect_yaml_entrypoints_are_the_flows_with_valid_parameters(prefect_yaml):
    from prefect.flows import load_flow_from_entrypoint

    deployments = _by_flow(prefect_yaml)
    assert set(deployments) == {"analyze-export", "run-automations", "weekly-report"}
    for name, deployment in deployments.items():
        flow = load_flow_from_entrypoint(str(ROOT / deployment["entrypoint"]))
        assert flow.name == name
        assert deployment["name"] == "server"
        accepted = inspect.signature(flow.fn).parameters
        assert set(deployment["parameters"]) <= set(accepted), name
        assert deployment["work_pool"]["name"] == "processmining"
    assert deployments["run-automations"]["parameters"]["send"] is False  # dry run until someone decides


def test_prefect_yaml_and_serve_use_the_same_schedules(prefect_yaml, tmp_path):
    from flows.serve import SCHEDULES, TIMEZONE, ServeOptions, deployments

    in_yaml = {name: [(s["cron"], s["timezone"]) for s in d["schedules"]] for name, d in _by_flow(prefect_yaml).items()}
    assert in_yaml == {name: [(cron, TIMEZONE)] for name, cron in SCHEDULES.items()}
    config = tmp_path / "automations.toml"
    archive = tmp_path / "archive"
    listed = deployments(ServeOptions(config_path=str(config), archive_folder=str(archive), send=True))
    # Served and prefect.yaml's deployments never share a name (they would overwrite each other).
    assert {d.name for d in listed} == {"local"}
    served = {d.flow_name: d for d in listed}
    assert {name: [(s.schedule.cron, s.schedule.timezone) for s in d.schedules] for name, d in served.items()} == \
        in_yaml
    assert served["run-automations"].parameters["send"] is True
    assert served["run-automations"].parameters["config_path"] == str(config.resolve())
    # The automations read the newest export that analyze-export archived.
    assert served["weekly-report"].parameters["log_path"] == str(archive.resolve())
    assert served["analyze-export"].parameters["archive_folder"] == str(archive.resolve())

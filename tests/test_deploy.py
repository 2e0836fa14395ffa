"""Is deploy/ set up as deploy/README.md says? Fast checks of its configuration: who may open
which service, learners' servers without instructor tools, one Voila service per audience, hub
groups from Unix groups, the role-play app's account given each cohort's role-play folder and
nothing else of it. tests/test_hub_cohort.py runs all of it on a real hub."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from traitlets.config.loader import PyFileConfigLoader

from servicecourse import cohort
from servicecourse.cohort import evidence
from servicecourse.course import REPO

DEPLOY = REPO / "deploy"
NBGRADER_LAB = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader"
sys.path.insert(0, str(DEPLOY))

from hub_accounts import hub_groups_of  # noqa: E402


def _load(path: Path):
    return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()


def _lab_plugins() -> str:
    """The source of nbgrader's JupyterLab extension, where its plugin ids are."""
    return "".join(p.read_text(errors="replace") for p in (NBGRADER_LAB / "static").glob("*.js"))


@pytest.fixture
def hub_config(tmp_path, monkeypatch):
    """deploy/jupyterhub_config.py as the hub loads it, for a cohort with a formgrader."""
    if os.geteuid() != 0:
        pytest.fail("the hub runs as root (learners' servers are their own accounts'): run as root")
    folder = cohort.create(tmp_path / "cohort")
    monkeypatch.setenv("COURSE_COHORT_DIR", str(folder))
    monkeypatch.setenv("COURSE_GRADER_USER", "grader-test")
    monkeypatch.setenv("COURSE_APPS_USER", "apps-test")
    return _load(DEPLOY / "jupyterhub_config.py")


def _scopes(config, group: str) -> set[str]:
    """The scopes a member of a hub group holds: everyone's role plus their group's roles."""
    scopes = set()
    for role in config.JupyterHub.load_roles:
        if role["name"] == "user" or group in role.get("groups", []):
            scopes.update(role["scopes"])
    return scopes


def test_each_service_is_opened_only_to_its_audience(hub_config):
    """Does the role-play open to everyone, the dashboard to HR and trainers, the debrief and
    the formgrader to trainers only, and a JupyterLab server to learners and trainers only?"""
    access = {name: f"access:services!service={name}"
              for name in ("roleplay", "dashboard", "debrief", "service-culture")}
    learners = _scopes(hub_config, "nbgrader-service-culture")
    trainers = _scopes(hub_config, "formgrade-service-culture")
    hr = _scopes(hub_config, "hr-service-culture")
    assert access["roleplay"] in learners & trainers & hr
    assert access["dashboard"] in trainers & hr and access["dashboard"] not in learners
    for trainers_only in (access["debrief"], access["service-culture"]):
        assert trainers_only in trainers and trainers_only not in learners | hr
    assert "servers!user" in learners & trainers and "servers!user" not in hr


def test_each_app_has_its_own_service_serving_only_that_app(hub_config):
    """Is each Voila app its own service, on a folder holding only a link to that app, run by an
    unprivileged account (the role-play by one that owns no cohort)?"""
    services = {s["name"]: s for s in hub_config.JupyterHub.services}
    assert set(services) == {"service-culture", "roleplay", "dashboard", "debrief", "idle-culler"}
    for app in ("roleplay", "dashboard", "debrief"):
        folder = DEPLOY / "apps" / app
        assert [p.name for p in folder.iterdir()] == [f"{app}.ipynb"]
        assert (folder / f"{app}.ipynb").resolve() == REPO / "apps" / f"{app}.ipynb"
        assert str(folder) in services[app]["command"]
        assert f"--Voila.base_url=/services/{app}/" in services[app]["command"]
    assert services["roleplay"]["user"] == "apps-test"
    assert {services[name]["user"] for name in ("dashboard", "debrief", "service-culture")} == {"grader-test"}
    assert "user" not in services["idle-culler"]  # its token stops servers: nobody else's account


def test_the_staff_apps_have_a_small_kernel_cap_and_the_roleplay_one_is_settable(hub_config, monkeypatch):
    """Do the dashboard and the debrief run at most a few kernels (HR and trainers are few), and
    does the role-play app's cap follow COURSE_ROLEPLAY_KERNEL_CAP (else its memory rule)?"""
    monkeypatch.setenv("COURSE_ROLEPLAY_KERNEL_CAP", "60")
    services = {s["name"]: s for s in _load(DEPLOY / "jupyterhub_config.py").JupyterHub.services}
    assert "--kernel-cap=60" in services["roleplay"]["command"]
    for name in ("dashboard", "debrief"):
        assert "--kernel-cap=8" in services[name]["command"]
    monkeypatch.delenv("COURSE_ROLEPLAY_KERNEL_CAP")
    services = {s["name"]: s for s in _load(DEPLOY / "jupyterhub_config.py").JupyterHub.services}
    assert not any(part.startswith("--kernel-cap") for part in services["roleplay"]["command"])


def test_a_learners_server_has_no_instructor_tools():
    """Are the formgrader and the course list off in a learner's Jupyter server, and the
    formgrader, Create Assignment and course list plugins off in their JupyterLab, by ids that
    nbgrader's extension really has?"""
    extensions = _load(DEPLOY / "learner" / "jupyter_server_config.py").ServerApp.jpserver_extensions
    assert extensions["nbgrader.server_extensions.assignment_list"] is True
    assert extensions["nbgrader.server_extensions.validate_assignment"] is True
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    assert extensions["nbgrader.server_extensions.course_list"] is False
    disabled = json.loads((DEPLOY / "learner" / "labconfig" / "page_config.json").read_text())
    plugins = _lab_plugins()
    for plugin in ("formgrader", "create-assignment", "course-list"):
        assert disabled["disabledExtensions"][f"@jupyter/nbgrader:{plugin}"] is True
        assert f"@jupyter/nbgrader:{plugin}" in plugins, plugin


def test_a_trainers_server_has_the_course_list_but_grades_in_the_formgrader_service():
    """Does a trainer's own server list their courses (with the link to the formgrader
    service) but run no formgrader of its own?"""
    extensions = _load(DEPLOY / "trainer" / "jupyter_server_config.py").ServerApp.jpserver_extensions
    assert extensions["nbgrader.server_extensions.course_list"] is True
    assert extensions["nbgrader.server_extensions.formgrader"] is False
    disabled = json.loads((DEPLOY / "trainer" / "labconfig" / "page_config.json").read_text())
    assert disabled["disabledExtensions"] == {"@jupyter/nbgrader:formgrader": True,
                                              "@jupyter/nbgrader:create-assignment": True,
                                              "@jupyter/nbgrader:course-list": False}


def test_learners_nbgrader_finds_the_exchange_and_asks_the_hub_for_courses(monkeypatch):
    """Does a learner's nbgrader use $COURSE_EXCHANGE_ROOT with the course in its paths, and
    ask the hub which courses they are in only when it runs on the hub?"""
    monkeypatch.setenv("COURSE_EXCHANGE_ROOT", "/srv/test-exchange")
    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    alone = _load(DEPLOY / "learner" / "nbgrader_config.py")
    assert alone.Exchange.root == "/srv/test-exchange" and alone.Exchange.path_includes_course
    assert "plugin_class" not in alone.Authenticator
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "a-token")
    on_hub = _load(DEPLOY / "learner" / "nbgrader_config.py")
    assert on_hub.Authenticator.plugin_class == "nbgrader.auth.JupyterHubAuthPlugin"


def test_hub_groups_follow_the_accounts_unix_groups():
    """Is an account put in the hub group of each course Unix group it belongs to, primary
    group included, a group that does not exist ignored, and an unknown account in none?"""
    mapping = {"root": "hub-root", "no-such-group-here": "hub-none"}
    assert hub_groups_of("root", mapping) == ["hub-root"]
    assert hub_groups_of("no-such-account-here", mapping) == []


# --- what the role-play app's account may read (deploy/hub_share.py) -----------------------------

def test_the_roleplay_app_reads_the_shared_folders_and_the_staff_apps_the_cohorts(hub_config, monkeypatch, tmp_path):
    """Does the role-play service read its cohorts from the shared folder beside the cohorts,
    while the dashboard and the debrief read the cohorts themselves?"""
    cohorts = tmp_path / "all-cohorts"
    monkeypatch.setenv("COURSE_COHORTS", str(cohorts))
    services = {s["name"]: s for s in _load(DEPLOY / "jupyterhub_config.py").JupyterHub.services}
    assert services["roleplay"]["environment"]["COURSE_COHORTS"] == str(cohorts / ".shared")
    for name in ("dashboard", "debrief"):
        assert services[name]["environment"]["COURSE_COHORTS"] == str(cohorts)


def test_the_hub_refuses_to_start_a_roleplay_app_whose_account_is_not_in_the_group(hub_config, monkeypatch):
    """Does the hub stop at once, saying what to run, when the role-play app's account exists
    but is not in the role-play group (every play would be practice), and start when it is?"""
    monkeypatch.setenv("COURSE_APPS_USER", "nobody")
    monkeypatch.setenv("COURSE_ROLEPLAY_GROUP", "root")
    with pytest.raises(SystemExit, match="nobody is not in the group root.*setup-hub.sh"):
        _load(DEPLOY / "jupyterhub_config.py")
    monkeypatch.setenv("COURSE_ROLEPLAY_GROUP", "nogroup")  # nobody's own group
    services = {s["name"]: s for s in _load(DEPLOY / "jupyterhub_config.py").JupyterHub.services}
    assert services["roleplay"]["user"] == "nobody"


ROSTER = ("id,first_name,last_name,email,manager\n"
          "amara,Amara,Okafor,amara@example.com,Zoe\nben,Ben,Li,ben@example.com,Zoe\n")


def _old_cohort(cohorts: Path, name: str) -> Path:
    """A cohort folder as one made before role-play folders: a roster and a top-level key."""
    folder = cohorts / name
    folder.mkdir(parents=True, mode=0o755)
    (folder / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n")
    (folder / "roster.csv").write_text(ROSTER)
    (folder / ".roleplay-key").write_text("cd" * 32 + "\n")
    return folder


def _mode(path: Path) -> tuple[int, str]:
    return stat.S_IMODE(path.stat().st_mode), path.group()


def test_sharing_puts_each_roleplay_folder_beside_the_cohorts_open_to_the_group_only(tmp_path):
    """Is a cohort's role-play folder moved to COHORTS/.shared/<cohort>/roleplay with a link in
    its place, its key kept, its learner ids (no emails) readable and its record writable by the
    group, the cohorts' folder passable but not listable, the cohort itself closed; and does
    sharing again change nothing, and does a file written later stay in the group?"""
    from hub_share import share_all

    cohorts = tmp_path / "cohorts"
    folder = _old_cohort(cohorts, "spring")
    (cohorts / "notes").mkdir()  # not a cohort: left alone
    done, problems, left = share_all(cohorts, "nogroup")
    share = cohorts / ".shared" / "spring" / "roleplay"
    assert (done, problems, left) == ([share], [], [])
    assert os.readlink(folder / "roleplay") == "../.shared/spring/roleplay"
    assert _mode(cohorts) == (0o710, "nogroup") and _mode(folder)[0] == 0o700
    assert _mode(cohorts / ".shared") == _mode(share.parent) == (0o750, "nogroup")
    assert _mode(share) == (0o2750, "nogroup")
    assert {p.name: _mode(p) for p in share.iterdir()} == {
        "key": (0o640, "nogroup"), "learners.txt": (0o640, "nogroup"), "attempts.jsonl": (0o660, "nogroup")}
    assert (share / "learners.txt").read_text() == "amara\nben\n"
    assert not (folder / ".roleplay-key").exists()
    assert evidence.roleplay_key(folder) == evidence.roleplay_key(share.parent) == bytes.fromhex("cd" * 32)
    # what the role-play app finds there, as its folder of cohorts
    [outcome] = evidence.record_play("amara", "serve-call-centre", "BACA", cohorts / ".shared")
    assert (outcome.kind, outcome.cohort) == ("graded", "spring")
    assert share_all(cohorts, "nogroup") == ([share], [], [])
    assert len(evidence.attempts(folder)[0]) == 1 and _mode(share / "attempts.jsonl")[0] == 0o660
    evidence.write_learners(folder, ["amara", "chloe"])  # a roster import, through the link
    assert _mode(share / "learners.txt") == (0o640, "nogroup")


def test_a_share_in_the_way_is_named_and_the_other_cohorts_are_still_shared(tmp_path):
    """Is a cohort whose place in .shared is already taken reported with both paths and left
    as it was, while the next cohort is shared; and is a share whose cohort is gone reported?"""
    from hub_share import share_all

    cohorts = tmp_path / "cohorts"
    autumn, spring = _old_cohort(cohorts, "autumn"), _old_cohort(cohorts, "spring")
    (cohorts / ".shared" / "autumn" / "roleplay").mkdir(parents=True)
    (cohorts / ".shared" / "gone" / "roleplay").mkdir(parents=True)
    done, problems, left = share_all(cohorts, "nogroup")
    assert done == [cohorts / ".shared" / "spring" / "roleplay"]
    [problem] = problems
    assert str(autumn) in problem and str(cohorts / ".shared" / "autumn" / "roleplay") in problem
    assert (autumn / "roleplay").is_dir() and not (autumn / "roleplay").is_symlink()
    assert (spring / "roleplay").is_symlink() and left == [cohorts / ".shared" / "gone"]

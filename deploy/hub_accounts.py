"""Who is who on the course's hub: Unix groups give hub groups, hub groups give roles.

The server's administrator puts each account in one of three Unix groups (names set by
``jupyterhub_config.py``): learners, trainers, HR. At every login the hub copies that
membership into its own groups, so a learner added with ``adduser NAME course-learners`` needs
no hub restart, and one removed from the group loses the role at the next login:

* learners -> ``nbgrader-<course_id>``: the group nbgrader's Assignments tab asks the hub about
  (JupyterHubAuthPlugin), so the course appears there;
* trainers -> ``formgrade-<course_id>``: the group nbgrader's course list and formgrader use;
* HR -> ``hr-<course_id>``.

Roles are given to the hub groups in ``jupyterhub_config.py`` (``load_roles``); the hub then
refuses (403) any service a user's roles do not grant.
"""

from __future__ import annotations

import grp
import os
import pwd

from jupyterhub.auth import PAMAuthenticator
from traitlets import Dict

__all__ = ["CoursePAMAuthenticator", "hub_groups_of"]


def hub_groups_of(name: str, unix_to_hub: dict[str, str]) -> list[str]:
    """The hub groups of a Unix account: those whose Unix group it belongs to (primary or not)."""
    try:
        gids = set(os.getgrouplist(name, pwd.getpwnam(name).pw_gid))
    except KeyError:
        return []
    found = []
    for unix, hub in sorted(unix_to_hub.items()):
        try:
            if grp.getgrnam(unix).gr_gid in gids:
                found.append(hub)
        except KeyError:
            continue  # a group not created yet (deploy/setup-hub.sh creates them)
    return found


class CoursePAMAuthenticator(PAMAuthenticator):
    """The server's Unix accounts (PAM), members of the course's Unix groups only; their hub
    groups follow their Unix groups at each login (``manage_groups``)."""

    unix_to_hub = Dict(help="Unix group name -> hub group name").tag(config=True)

    async def authenticate(self, handler, data):
        name = await super().authenticate(handler, data)
        if name is None:
            return None
        return {"name": name, "groups": hub_groups_of(name, self.unix_to_hub)}

"""Hub login for standalone Voila: JupyterHub's own identity provider, fitted to Voila.

JupyterHub ships ``JupyterHubIdentityProvider`` (OAuth with the hub through ``HubOAuth``) for
Jupyter Server. Standalone Voila accepts any Jupyter Server identity provider
(``--Voila.identity_provider_class``), with two differences handled here:

* Voila passes its own ``token`` to the provider; the hub's provider takes its token from the
  hub (``$JUPYTERHUB_API_TOKEN``), so Voila's is dropped.
* Jupyter Server puts ``base_url`` in front of the provider's routes, Voila does not: the OAuth
  callback would answer at ``/oauth_callback`` instead of ``/services/<name>/oauth_callback``.

With it, every Voila page (``@web.authenticated``) sends a visitor without a hub login to the
hub, and a user whose roles do not grant ``access:services!service=<name>`` gets 403.
The hub starts Voila with this module on ``PYTHONPATH`` (see ``jupyterhub_config.py``).
"""

from __future__ import annotations

import os

from jupyter_server.utils import url_path_join
from jupyterhub.singleuser.extension import JupyterHubAuthorizer, JupyterHubIdentityProvider

__all__ = ["HubIdentityProvider", "HubAuthorizer"]

HubAuthorizer = JupyterHubAuthorizer  # checks the user's hub scopes again on every API call


class HubIdentityProvider(JupyterHubIdentityProvider):
    """Users are the hub's: a request without a valid hub login is sent to the hub's login."""

    def __init__(self, token=None, **kwargs):
        missing = [name for name in ("JUPYTERHUB_API_TOKEN", "JUPYTERHUB_API_URL",
                                     "JUPYTERHUB_SERVICE_PREFIX") if not os.environ.get(name)]
        if missing:  # fail closed: never serve the apps without the hub behind them
            raise RuntimeError(f"{', '.join(missing)} not set: this Voila must be started by "
                               f"JupyterHub as a service (deploy/jupyterhub_config.py)")
        super().__init__(**kwargs)

    def get_handlers(self):
        return [(url_path_join(self.hub_auth.base_url, path), *rest)
                for path, *rest in super().get_handlers()]

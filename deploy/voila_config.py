"""Settings of the hub's Voila services (the role-play app, the HR dashboard, the trainer
debrief; see jupyterhub_config.py): the course server's own (servicecourse/serving/voila_config.py)
behind the hub's login. Each service's command line adds its apps folder, port, base URL
(``/services/NAME/``) and pool of kernels."""

from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)
load_subconfig(str(Path(__file__).resolve().parent.parent / "servicecourse" / "serving" / "voila_config.py"))  # noqa: F821

c.Voila.port_retries = 0  # another port would not be the one the proxy routes to
# who the visitor is, and whether they may open the app: the hub says (hub_voila_auth.py)
c.Voila.identity_provider_class = "hub_voila_auth.HubIdentityProvider"
c.Voila.authorizer_class = "hub_voila_auth.HubAuthorizer"

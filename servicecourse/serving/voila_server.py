"""The Voila server of the course apps, run as ``python -m servicecourse.serving.voila_server [options] APPS``.

Its settings are a traitlets config file, ``servicecourse/serving/voila_config.py`` unless
``--config=FILE`` names another (the hub's, ``deploy/voila_config.py``, loads it and adds the
hub's login); the command line gives what differs between servers (``--port``,
``--Voila.base_url``, ``--roleplay-pool``, ``--kernel-cap``) and wins over the file
(`servicecourse.serving.voila_app.CourseVoila`). It is Voila itself, with six changes made
before it starts:

- the course's template folder (``share/jupyter``) is put on the Jupyter data path so that
  ``--template=course`` is found: Voila's lab template without the style sheets it would fetch
  from a CDN, and with the role-play app's first view (`servicecourse.roleplay.first_view`). The same
  folder's ``kernels/python3`` is the apps' kernel: IPython's own, with no command history (each
  kernel would open and write the account's history database, which a crowd of kernels
  starting together locks and even corrupts; a fifth of a kernel's start-up CPU here);
- every page's Jinja environment shares one cache of compiled templates. Voila builds a new
  environment for each page it renders, so without it the server compiled its whole template
  tree again for every visitor (about a second of CPU in its only thread on 2 cores), and a
  class arriving together queued behind it;
- every app page sets Jupyter's ``_xsrf`` cookie. When a visitor closes the tab, Voila's page
  asks the server to shut its kernel down and must send that cookie back; Voila never set it,
  so the server refused (403) and each closed page left a kernel of about 100 MB running until
  the idle cull (voila-dashboards/voila#1458);
- every app page tells its kernel who the visitor is: once Voila has authenticated the request,
  the server writes the user name into the ``X-Course-Learner`` header, over anything the
  browser sent, and Voila passes that header to the kernel (``http_header_envs``, also to
  preheated kernels with the rest of the request). Behind JupyterHub the visitor is the hub
  user; with no hub, the OS account running the server. The role-play app records graded plays
  for that name (`servicecourse.cohort.evidence`);
- every preheated kernel gets its page's request. Voila keeps one request connection per
  kernel, but when a connection that is no longer the kernel's closes (the kernel connected
  again, say after a slow first attempt on a busy server), its handler deletes whichever
  kernel's entry it saw last, and that kernel's request is then kept for a connection that
  never comes: its page waits for ever. A request whose connection is closed is lost the same
  way. Here a closing connection removes only its own entry, and an undelivered request is kept
  until the kernel connects again;
- it runs at most so many visitors' kernels (`servicecourse.serving.kernel_cap`: sized from memory,
  ``COURSE_KERNEL_CAP`` or ``--kernel-cap=N`` to override; Voila has no limit, voila#617).
  Beyond it a page is served at once with no kernel (`servicecourse.serving.page_engine`): the role-play
  app played in the page, for practice, and saying so; any other app, a page saying the server is
  full (503).

`servicecourse.serving.launch.voila_command` gives the command line.
"""

from __future__ import annotations

import getpass
import inspect
import os
import sys
from pathlib import Path, PurePath

import jinja2
from traitlets.config import Config, PyFileConfigLoader

from servicecourse.apps.page_request import VISITOR_ENV, VISITOR_HEADER
from servicecourse.course import REPO
from servicecourse.serving import page_engine
from servicecourse.serving.kernel_cap import capped

JUPYTER_DATA = REPO / "share" / "jupyter"  # holds voila/templates/course
CONFIG = Path(__file__).with_name("voila_config.py")  # the course server's settings


def settings(config_file: Path = CONFIG) -> Config:
    """The settings a config file of the server gives (what its command line does not)."""
    return PyFileConfigLoader(config_file.name, str(config_file.parent)).load_config()


class MemoryBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the life of the process, keyed by Jinja on the
    template's name and checked against its source, so an edited template is compiled again."""

    def __init__(self):
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


def share_compiled_templates(cache: jinja2.BytecodeCache | None = None) -> jinja2.BytecodeCache:
    """Give every Jinja environment nbconvert (hence Voila) creates from now on one bytecode cache."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    cache = cache or MemoryBytecodeCache()
    create = getattr(TemplateExporter._create_environment, "__wrapped__",
                     TemplateExporter._create_environment)

    def create_with_cache(self):
        environment = create(self)
        environment.bytecode_cache = cache
        return environment

    create_with_cache.__wrapped__ = create  # type: ignore[attr-defined]  # marks the patch
    TemplateExporter._create_environment = create_with_cache  # type: ignore[method-assign]  # the patch
    return cache


def visitor_name(handler) -> str | None:
    """Who an authenticated page request comes from: the hub user behind JupyterHub's login
    (an identity provider with ``hub_auth``), else the OS account running this server."""
    if getattr(handler.identity_provider, "hub_auth", None) is not None:
        user = handler.current_user
        return getattr(user, "username", None) or None
    return getpass.getuser()


def prepare_pages() -> None:
    """Make Voila's page handler set the ``_xsrf`` cookie its kernel-shutdown request needs, and
    put the visitor's name in the ``X-Course-Learner`` header (the browser's value is dropped)."""
    from voila.handler import VoilaHandler

    prepare = getattr(VoilaHandler.prepare, "__wrapped__", VoilaHandler.prepare)

    async def prepare_page(self, *args, **kwargs):
        self.request.headers.pop(VISITOR_HEADER, None)  # never the browser's word for it
        result = prepare(self, *args, **kwargs)
        if inspect.isawaitable(result):
            await result
        self.xsrf_token  # noqa: B018  (reading it sets the cookie on this response)
        name = visitor_name(self) if self.current_user else None
        if name:
            self.request.headers[VISITOR_HEADER] = name

    prepare_page.__wrapped__ = prepare  # type: ignore[attr-defined]  # marks the patch
    VoilaHandler.prepare = prepare_page  # the patch


def deliver_requests() -> None:
    """Make Voila's request connections (``voila/query/<kernel id>``) forget only their own
    kernel when they close, and keep a request they could not deliver for the kernel's next
    connection (Voila's handler deletes another kernel's connection and drops the request)."""
    from tornado.websocket import WebSocketClosedError
    from voila.request_info_handler import RequestInfoSocketHandler as Handler

    if getattr(Handler.on_close, "course_patch", False):
        return

    def on_close(self) -> None:
        for kernel_id, waiter in list(Handler._waiters.items()):
            if waiter is self:
                del Handler._waiters[kernel_id]

    def send_updates(cls, msg: dict) -> None:
        kernel_id, payload = msg["kernel_id"], msg["payload"]
        waiter = cls._waiters.get(kernel_id)
        if waiter is not None:
            try:
                waiter.write_message(payload)
                return
            except WebSocketClosedError:  # gone since: the kernel's next connection gets it
                cls._waiters.pop(kernel_id, None)
        cls._cache[kernel_id] = payload

    on_close.course_patch = True  # type: ignore[attr-defined]  # marks the patch
    Handler.on_close = on_close  # the patch
    Handler.send_updates = classmethod(send_updates)


def cap_kernels(cap: int) -> None:
    """Make Voila's kernel manager count visitors' kernels up to ``cap``, and its page handler
    serve a page with no kernel beyond it (`servicecourse.serving.page_engine`)."""
    import voila.app
    from voila.handler import VoilaHandler

    factory = getattr(voila.app.voila_kernel_manager_factory, "__wrapped__",
                      voila.app.voila_kernel_manager_factory)

    def capped_factory(*args, **kwargs):
        return capped(factory(*args, **kwargs), cap)

    capped_factory.__wrapped__ = factory  # type: ignore[attr-defined]  # marks the patch
    voila.app.voila_kernel_manager_factory = capped_factory  # the name voila.app calls
    generate = getattr(VoilaHandler.get_generator, "__wrapped__", VoilaHandler.get_generator)

    async def get_generator(self, path=None):
        notebook = self.notebook_path or path or ""
        admit = getattr(self.kernel_manager, "admit", None)
        ticket = admit() if admit is not None and notebook.endswith(".ipynb") else True
        if ticket is None:
            self.log.warning("%d visitors' kernels running, the cap: %s served with no kernel",
                             cap, notebook)
            self.set_header("Content-Type", "text/html")
            self.set_header("Cache-Control", "no-cache, no-store, must-revalidate")
            if PurePath(notebook).name == page_engine.ROLEPLAY_APP:
                yield page_engine.roleplay_page(self.get_argument("scenario", None))
            else:
                self.set_status(503)
                self.set_header("Retry-After", "120")
                yield page_engine.busy_page()
            return
        try:
            async for chunk in generate(self, path):
                yield chunk
        finally:
            if ticket is not True:
                self.kernel_manager.settle(ticket)

    get_generator.__wrapped__ = generate  # type: ignore[attr-defined]  # marks the patch
    VoilaHandler.get_generator = get_generator  # the patch


def main(argv: list[str]) -> None:
    """Start the course's Voila (`servicecourse.serving.voila_app.CourseVoila`) with ``argv``,
    the course's templates on the data path and no visitor's name in the kernels' environment."""
    paths = [str(JUPYTER_DATA), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    os.environ.pop(VISITOR_ENV, None)  # kernels inherit this environment: only a request says who
    from servicecourse.serving.voila_app import CourseVoila  # after JUPYTER_PATH: Voila reads it on import

    CourseVoila.launch_instance(argv)


if __name__ == "__main__":
    main(sys.argv[1:])

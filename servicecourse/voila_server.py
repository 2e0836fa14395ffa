"""The Voila server of the course apps, run as ``python -m servicecourse.voila_server [options]``.

It is Voila itself, with three changes made before it starts:

- the course's template folder (``share/jupyter``) is put on the Jupyter data path so that
  ``--template=course`` is found: Voila's lab template without the style sheets it would fetch
  from a CDN, and with the role-play app's first view (`servicecourse.first_view`);
- every page's Jinja environment shares one cache of compiled templates. Voila builds a new
  environment for each page it renders, so without it the server compiled its whole template
  tree again for every visitor (about a second of CPU in its only thread on 2 cores), and a
  class arriving together queued behind it;
- every app page sets Jupyter's ``_xsrf`` cookie. When a visitor closes the tab, Voila's page
  asks the server to shut its kernel down and must send that cookie back; Voila never set it,
  so the server refused (403) and each closed page left a kernel of about 100 MB running until
  the idle cull (voila-dashboards/voila#1458).

`servicecourse.launch.voila_command` gives the full command line.
"""

from __future__ import annotations

import inspect
import os
import sys

import jinja2

from servicecourse.paths import REPO

JUPYTER_DATA = REPO / "share" / "jupyter"  # holds voila/templates/course


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

    create_with_cache.__wrapped__ = create
    TemplateExporter._create_environment = create_with_cache
    return cache


def set_xsrf_cookie_on_pages() -> None:
    """Make Voila's page handler set the ``_xsrf`` cookie its kernel-shutdown request needs."""
    from voila.handler import VoilaHandler

    prepare = getattr(VoilaHandler.prepare, "__wrapped__", VoilaHandler.prepare)

    async def prepare_with_cookie(self, *args, **kwargs):
        result = prepare(self, *args, **kwargs)
        if inspect.isawaitable(result):
            await result
        self.xsrf_token  # noqa: B018  (reading it sets the cookie on this response)

    prepare_with_cookie.__wrapped__ = prepare
    VoilaHandler.prepare = prepare_with_cookie


def main(argv: list[str]) -> None:
    """Start Voila with ``argv``, the course's templates, the shared template cache and the
    cookie that lets a closed page shut its kernel down."""
    paths = [str(JUPYTER_DATA), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    share_compiled_templates()
    set_xsrf_cookie_on_pages()
    from voila.app import main as voila_main  # after JUPYTER_PATH: Voila reads it on import

    sys.argv = ["voila", *argv]
    voila_main()


if __name__ == "__main__":
    main(sys.argv[1:])

"""The Voila server of the course apps, run as ``python -m servicecourse.voila_server [options]``.

It is Voila itself, with two changes made before it starts:

- the course's template folder (``share/jupyter``) is put on the Jupyter data path so that
  ``--template=course`` is found: Voila's lab template without the style sheets it would fetch
  from a CDN;
- every page's Jinja environment shares one cache of compiled templates. Voila builds a new
  environment for each page it renders, so without it the server compiled its whole template
  tree again for every visitor (about a second of CPU in its only thread on 2 cores), and a
  class arriving together queued behind it.

`servicecourse.launch.voila_command` gives the full command line.
"""

from __future__ import annotations

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


def main(argv: list[str]) -> None:
    """Start Voila with ``argv``, the course's templates and the shared template cache."""
    paths = [str(JUPYTER_DATA), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    share_compiled_templates()
    from voila.app import main as voila_main  # after JUPYTER_PATH: Voila reads it on import

    sys.argv = ["voila", *argv]
    voila_main()


if __name__ == "__main__":
    main(sys.argv[1:])

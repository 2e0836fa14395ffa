"""The course's Voila application: Voila with its settings read from one traitlets config file.

Imported by `servicecourse.serving.voila_server.main` once ``JUPYTER_PATH`` holds the course's
template folder (Voila reads it on import).
"""

from __future__ import annotations

import os
import sys

from traitlets import Integer, Unicode, default
from traitlets.config import Config
from voila.app import Voila

from servicecourse.apps.page_request import VISITOR_HEADER
from servicecourse.serving.kernel_cap import kernel_cap
from servicecourse.serving.voila_server import (
    CONFIG,
    cap_kernels,
    deliver_requests,
    prepare_pages,
    share_compiled_templates,
)


class CourseVoila(Voila):
    """Voila reading ``config_file`` (the course's by default) and no Jupyter config of the
    machine; the command line wins over the file."""

    config_file = Unicode(str(CONFIG), config=True, help=(
        "The server's traitlets config file (.py or .json): servicecourse/serving/voila_config.py, "
        "or one that loads it and adds to it (deploy/voila_config.py)."))
    roleplay_pool = Integer(4, min=0, config=True, help=(
        "Kernels kept ready with the role-play app drawn; the other apps keep one each while it is "
        "not 0 (0: no kernel kept ready, every page starts its own)."))
    kernel_cap = Integer(None, allow_none=True, min=1, config=True, help=(
        "At most this many visitors' kernels at once (kernels waiting in the pool not counted); "
        "None: COURSE_KERNEL_CAP, else half the memory available over one visitor's kernel "
        "(servicecourse.serving.kernel_cap)."))
    aliases = {**Voila.aliases, "config": "CourseVoila.config_file",
               "roleplay-pool": "CourseVoila.roleplay_pool", "kernel-cap": "CourseVoila.kernel_cap"}

    @default("config_file_paths")
    def _no_machine_config(self) -> list[str]:
        # Voila would read a voila.(py|json) from the working folder and every Jupyter config
        # folder of the machine; the course's server is what its own file says.
        return []

    def load_config_file(self, filename, path=None):
        """Voila's search for ``voila.(py|json)`` (nowhere, unless ``config_file_paths`` is
        given), then ``config_file``; the command line keeps priority over both."""
        super().load_config_file(filename, path=path)
        config_file = os.path.abspath(self.config_file)
        if not os.path.isfile(config_file):
            raise SystemExit(f"--config={self.config_file}: no such config file")
        super().load_config_file(os.path.basename(config_file), path=os.path.dirname(config_file))

    def initialize(self, argv=None):
        """Voila's start-up, then the course's: the pools from ``roleplay_pool``, the visitor's
        header passed to kernels, and the patches of `servicecourse.serving.voila_server`."""
        super().initialize(argv)
        pool = self.roleplay_pool
        self.voila_configuration.preheat_kernel = pool > 0
        if pool:
            self.update_config(Config({"VoilaKernelManager": {"kernel_pools_config": {
                "roleplay.ipynb": {"pool_size": pool}, "default": {"pool_size": 1}}}}))
        headers = list(self.voila_configuration.http_header_envs)
        if VISITOR_HEADER not in headers:  # the role-play app's name for the visitor: always
            self.voila_configuration.http_header_envs = [*headers, VISITOR_HEADER]
        try:
            cap = self.kernel_cap or kernel_cap()
        except ValueError as error:
            raise SystemExit(str(error)) from None
        share_compiled_templates()
        prepare_pages()
        deliver_requests()
        cap_kernels(cap)
        print(f"[course] at most {cap} visitors' kernels at once; beyond, pages with no kernel",
              file=sys.stderr, flush=True)

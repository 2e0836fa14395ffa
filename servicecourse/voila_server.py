"""The Voila server of the course apps, run as ``python -m servicecourse.voila_server [options]``.

It is Voila itself, with the course's template folder (``share/jupyter``) added to the Jupyter
data path so that ``--template=course`` is found: Voila's lab template without the style sheets
it would fetch from a CDN. `servicecourse.launch.voila_command` gives the full command line.
"""

from __future__ import annotations

import os
import sys

from servicecourse.paths import REPO

JUPYTER_DATA = REPO / "share" / "jupyter"  # holds voila/templates/course


def main(argv: list[str]) -> None:
    """Start Voila with ``argv`` and the course's templates on the Jupyter data path."""
    paths = [str(JUPYTER_DATA), *filter(None, [os.environ.get("JUPYTER_PATH")])]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    from voila.app import main as voila_main  # after JUPYTER_PATH: Voila reads it on import

    sys.argv = ["voila", *argv]
    voila_main()


if __name__ == "__main__":
    main(sys.argv[1:])

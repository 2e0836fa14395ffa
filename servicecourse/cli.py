"""The ``course`` command: check scenarios, build the demo cohort, write the HR report, serve."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from servicecourse.scenario import ScenarioError, load_scenario


def _check(args) -> int:
    """Validate scenario files; print every problem; non-zero exit if any."""
    paths = []
    for given in args.paths:
        path = Path(given)
        paths.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    failed = 0
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            failed += 1
            print("\n".join(error.problems), file=sys.stderr)
        else:
            print(f"{path}: ok ({len(scenario.beats)} beats, {len(scenario.endings)} endings)")
    if not paths:
        print("no scenario files given", file=sys.stderr)
        return 2
    return 1 if failed else 0


def _report(args) -> int:
    from servicecourse.cohort import CohortError
    from servicecourse.report import write_report

    try:
        csv_path, png_path, rows = write_report(args.course_dir, args.out, args.pass_mark)
    except CohortError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{len(rows)} rows -> {csv_path}\nchart -> {png_path}")
    return 0


def _demo(args) -> int:
    from servicecourse.demo import build
    from servicecourse.report import write_report

    folder = build(args.folder)
    csv_path, png_path, rows = write_report(folder)
    print(f"demo cohort in {folder}\nreport: {csv_path}\nchart: {png_path}")
    return 0


def _serve(args) -> int:
    from servicecourse.launch import serve

    return serve(args.site_port, args.apps_port, args.lab_port)


def parser() -> argparse.ArgumentParser:
    """The argument parser of the ``course`` command."""
    top = argparse.ArgumentParser(prog="course", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate role-play scenario files",
                                description="Validate scenario YAML files (or folders of them).")
    check.add_argument("paths", nargs="+", help="scenario files or folders")
    check.set_defaults(run=_check)

    report = commands.add_parser("report", help="write the completion CSV and chart of a cohort",
                                 description="Read a cohort's nbgrader gradebook and write "
                                             "completion.csv and completion.png.")
    report.add_argument("--course-dir", required=True, type=Path, help="the cohort folder")
    report.add_argument("--out", type=Path, help="output folder (default: COURSE_DIR/reports)")
    report.add_argument("--pass-mark", type=float, default=0.7,
                        help="share of the maximum score needed to pass (default 0.7)")
    report.set_defaults(run=_report)

    demo = commands.add_parser("demo", help="create and grade a demo cohort, then report",
                               description="Create a demo cohort of synthetic learners outside "
                                           "git, autograde it with nbgrader and write its report.")
    demo.add_argument("--folder", type=Path, help="where to create it (default cohorts/demo)")
    demo.set_defaults(run=_demo)

    serve = commands.add_parser("serve", help="start the site, the Voila apps and JupyterLab",
                                description="Serve the built site, the Voila apps and JupyterLab "
                                            "(on the learner workspace) on localhost until Ctrl-C.")
    serve.add_argument("--site-port", type=int, default=8000)
    serve.add_argument("--apps-port", type=int, default=8866)
    serve.add_argument("--lab-port", type=int, default=8888)
    serve.set_defaults(run=_serve)
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the ``course`` command."""
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

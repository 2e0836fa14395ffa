"""The ``course`` command: scenarios, cohorts (roster, release, collect, autograde, feedback),
reports, certificates, the demo cohort and the local servers. Every subcommand has --help."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from servicecourse.roleplay.scenario import ScenarioError, load_scenario
from servicecourse.roleplay.scenario_design import RULES, design_warnings


def _check(args) -> int:
    """Validate scenario files and report their design warnings; exit 1 if any file is invalid
    (or, with --strict, has a warning), 2 if no file was given."""
    paths = []
    for given in args.paths:
        path = Path(given)
        paths.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    failed = warned = 0
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            failed += 1
            print("\n".join(error.problems), file=sys.stderr)
            continue
        found = design_warnings(scenario)
        warned += bool(found)
        for warning in found:
            print(f"{path}:{warning.line}: warning ({warning.rule}): {warning.message}", file=sys.stderr)
        print(f"{path}: ok ({len(scenario.beats)} beats, {len(scenario.endings)} endings, "
              f"{len(found)} design warnings)")
    if not paths:
        print("no scenario files given", file=sys.stderr)
        return 2
    return 1 if failed or (args.strict and warned) else 0


def _cohort_folder(value: str) -> Path:
    """A cohort given by path, or by name under cohorts/."""
    from servicecourse.course import COHORTS

    path = Path(value)
    return path if path.exists() or path.is_absolute() or len(path.parts) > 1 else COHORTS / value


def _report(args) -> int:
    """Write a cohort's report files; say which pass mark was applied and what was left out."""
    from servicecourse.policy import PolicyError
    from servicecourse.reporting.report import ReportError, cohort_report, team_totals, write_files

    try:
        report = cohort_report(args.course_dir, args.pass_mark)
    except (PolicyError, ReportError) as error:
        print(error, file=sys.stderr)
        return 1
    for line in report.notes + report.roster_problems:
        print(line, file=sys.stderr)
    if args.pass_mark is not None:
        print(f"pass mark {report.pass_mark:g} given on the command line; "
              f"the cohort's policy says {report.policy.pass_mark:g}")
    csv_path, png_path = write_files(report, args.out)
    print(f"{len(report.rows)} rows -> {csv_path}\nchart -> {png_path}")
    for team, counts in team_totals(report.rows).items():
        print(f"  {team}: {counts['passed']} passed, {counts['overdue']} overdue, "
              f"{counts['needs manual grading']} waiting for manual grading")
    return 0


def _pass_mark(value: str) -> float:
    """A --pass-mark value, checked as the course policy checks its own."""
    from servicecourse.policy import check_pass_mark

    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    try:
        return check_pass_mark(number)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _demo(args) -> int:
    from servicecourse.cohort.demo import build
    from servicecourse.reporting.report import write_report

    folder = build(args.folder)
    csv_path, png_path, _ = write_report(folder)
    print(f"demo cohort in {folder}\nreport: {csv_path}\nchart: {png_path}")
    return 0


def _serve(args) -> int:
    from servicecourse.serving.launch import serve

    return serve(args.site_port, args.apps_port, args.lab_port, args.roleplay_pool)


def _cohort_new(args) -> int:
    from servicecourse import cohort
    from servicecourse.course import COHORTS

    folder = Path(args.name) if len(Path(args.name).parts) > 1 else COHORTS / args.name
    if (folder / cohort.CONFIG_NAME).exists():
        print(f"{folder}: a cohort already exists here", file=sys.stderr)
        return 1
    cohort.create(folder, args.db_url)
    print(f"cohort created in {folder} (gradebook: {cohort.db_url(folder)})")
    return 0


def _roster_import(args) -> int:
    """Import a roster file; print its warnings and every rejected row; exit 1 if any."""
    from servicecourse.cohort.roster import import_csv

    roster = import_csv(args.cohort, args.file)
    for line in roster.warnings + roster.problems:
        print(line, file=sys.stderr)
    kept = f"; other columns kept: {', '.join(roster.columns)}" if roster.columns else ""
    print(f"{len(roster.learners)} learners imported or updated; "
          f"{len(roster.problems)} rows rejected{kept}")
    return 1 if roster.problems else 0


def _release(args) -> int:
    from tqdm import tqdm

    from servicecourse import cohort
    from servicecourse.cohort import exchange
    from servicecourse.course import modules

    if args.exchange:
        exchange.configure(args.cohort, args.exchange)
    api = cohort.api(args.cohort)
    chosen = args.module or modules()
    for module in tqdm(chosen, desc="generating", unit="module"):
        cohort.run(api.generate_assignment(module), f"generate_assignment {module}")
    print(f"generated in {Path(args.cohort) / 'release'}")
    if exchange.root(args.cohort) is None:
        print(f"not published: {args.cohort} has no exchange (add --exchange DIR, the folder "
              f"learners' Assignments tab reads); without one, hand out the notebooks above")
        return 0
    exchange.release(args.cohort, chosen)
    print(f"published to the exchange {exchange.root(args.cohort)}: {', '.join(chosen)} "
          f"(learners fetch them in JupyterLab's Assignments tab)")
    return 0


def _collect(args) -> int:
    from servicecourse.cohort import exchange
    from servicecourse.cohort.collect import collect

    if args.source is not None:
        result = collect(args.cohort, args.source)
    else:
        result = exchange.collect(args.cohort)
    for problem in [*result.warnings, *result.problems]:
        print(problem, file=sys.stderr)
    where = args.source or f"the exchange {exchange.root(args.cohort)}"
    print(f"{len(result.placed)} notebooks collected from {where}; {len(result.problems)} problems")
    return 0


def _autograde(args) -> int:
    from servicecourse.grading.autograde import autograde_cohort

    outcomes = autograde_cohort(args.cohort, args.workers, args.timeout, force=args.force)
    kinds = ("graded", "flagged", "failed", "unchanged")
    counts = {status: sum(o.status == status for o in outcomes) for status in kinds}
    for outcome in outcomes:
        if outcome.reasons and outcome.status != "unchanged":
            score = "" if outcome.score is None else f" ({outcome.score:g}/{outcome.max_score:g})"
            print(f"{outcome.status:7} {outcome.learner} / {outcome.module}{score}: "
                  + "; ".join(outcome.reasons))
    print(f"summary: {counts['graded']} graded, {counts['flagged']} flagged, {counts['failed']} failed, "
          f"{counts['unchanged']} unchanged since the last run"
          + ("" if args.force or not counts["unchanged"] else " (--force grades them again)"))
    return 0


def _feedback(args) -> int:
    from servicecourse.cohort import exchange
    from servicecourse.grading.feedback import generate_feedback

    written, problems = generate_feedback(args.cohort)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(written)} feedback pages in {Path(args.cohort) / 'feedback'}")
    if exchange.root(args.cohort) is None:
        print("not released: the cohort has no exchange; give learners their pages yourself")
        return 0
    released, problems = exchange.release_feedback(args.cohort)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"released to the exchange for {len(released)} hand-ins (learners fetch them in the "
          f"Assignments tab); {len(problems)} not released")
    return 0


def _certificate(args) -> int:
    from servicecourse.grading.certificate import issue, verify, write

    if args.cohort is None:
        print("course certificate: --cohort is required", file=sys.stderr)
        return 2
    if args.code:
        found = verify(args.cohort, args.code)
        if found is None:
            print(f"{args.code}: not a genuine certificate of this cohort", file=sys.stderr)
            return 1
        c = found.certificate
        print(f"genuine: {c.name} ({c.learner}) completed the course on {c.date}; "
              f"issued {c.issued_at} under a pass mark of {c.pass_mark:g} for {len(c.modules)} modules")
        for change in found.changes:
            print(f"  since it was issued: {change}")
        return 0
    new, issued = issue(args.cohort)
    paths = write(args.cohort, new + issued)
    print(f"{len(new)} certificates issued now, {len(issued)} issued before; "
          f"{len(paths)} written to {Path(args.cohort) / 'certificates'}")
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser of the ``course`` command."""
    top = argparse.ArgumentParser(prog="course", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    def command(group, name, run, help_text):
        sub = group.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(run=run)
        return sub

    def cohort_option(sub):
        sub.add_argument("--cohort", required=True, type=_cohort_folder,
                         help="the cohort: a name under cohorts/ or a folder path")

    check = command(commands, "check", _check, "Validate role-play scenario files (or folders of them) "
                                               "and warn about their design (rules below).")
    check.epilog, check.formatter_class = RULES, argparse.RawDescriptionHelpFormatter
    check.add_argument("paths", nargs="+", help="scenario files or folders")
    check.add_argument("--strict", action="store_true", help="fail (exit 1) on design warnings too")

    report = command(commands, "report", _report,
                     "Read a cohort's gradebook; write completion.csv, completion.png and teams.csv.")
    report.add_argument("--course-dir", "--cohort", required=True, type=_cohort_folder,
                        help="the cohort folder (or name under cohorts/)")
    report.add_argument("--out", type=Path, help="output folder (default: COHORT/reports)")
    report.add_argument("--pass-mark", type=_pass_mark,
                        help="share of the maximum score needed to pass, for this report only "
                             "(default: the cohort's policy, COHORT/course.yml)")

    demo = command(commands, "demo", _demo, "Create a demo cohort of synthetic learners outside git, "
                                            "autograde it with nbgrader and write its report.")
    demo.add_argument("--folder", type=Path, help="where to create it (default cohorts/demo)")

    serve = command(commands, "serve", _serve, "Serve the built site, the Voila apps and JupyterLab "
                                               "(on the learner workspace) on localhost until Ctrl-C.")
    serve.add_argument("--site-port", type=int, default=8000)
    serve.add_argument("--apps-port", type=int, default=8866)
    serve.add_argument("--lab-port", type=int, default=8888)
    serve.add_argument("--roleplay-pool", type=int, default=4, metavar="N",
                       help="kernels kept ready with the role-play app drawn, so a visitor's page "
                            "opens without waiting for one to start (about 110 MB each; default 4)")

    cohort = commands.add_parser("cohort", help="run a cohort: new, roster, release, collect, "
                                                "autograde, feedback",
                                 description="Run a cohort of learners with nbgrader.")
    steps = cohort.add_subparsers(dest="step", required=True)
    new = command(steps, "new", _cohort_new, "Create a cohort folder (outside git) with its gradebook.")
    new.add_argument("name", help="a name (created under cohorts/) or a folder path")
    new.add_argument("--db-url", help="SQLAlchemy URL of the gradebook, e.g. "
                                      "postgresql://user@host/db (default: SQLite in the folder)")
    roster = steps.add_parser("roster", help="manage the roster", description="Manage the roster.")
    roster_steps = roster.add_subparsers(dest="roster_step", required=True)
    imports = command(roster_steps, "import", _roster_import,
                      "Import learners from a CSV as HR exports it (commas, semicolons or tabs; "
                      "UTF-8 or Windows-1252): columns id, first name, last name and email are "
                      "required (headers like 'First name' or 'E-mail' are recognised), team and "
                      "start_date (YYYY-MM-DD) optional, any other column (manager, employee id...) "
                      "kept. Bad rows are reported with their line; good rows are kept; "
                      "re-importing updates learners by id.")
    imports.add_argument("file", type=Path)
    cohort_option(imports)
    release = command(steps, "release", _release, "Generate every module's learner version into "
                      "COHORT/release and publish it to the cohort's nbgrader exchange.")
    cohort_option(release)
    release.add_argument("--module", action="append", help="only this module (repeatable)")
    release.add_argument("--exchange", type=Path, metavar="DIR",
                         help="the exchange folder to publish to (nbgrader's Exchange.root, e.g. "
                              "/srv/nbgrader/exchange on the hub); remembered by the cohort")
    collect = command(steps, "collect", _collect, "Collect hand-ins into COHORT/submitted: from the "
                      "cohort's nbgrader exchange (no folder given; roster learners only), or from a "
                      "folder (nbgrader layout, flat notebooks or zips named after the learner).")
    collect.add_argument("source", type=Path, nargs="?",
                         help="folder of handed-in notebooks or zips (default: the exchange)")
    cohort_option(collect)
    autograde = command(steps, "autograde", _autograde,
                        "Autograde the new and changed submissions in parallel with nbgrader, each "
                        "notebook in the course's sandbox, its answers also read as data; print a "
                        "summary of graded, flagged, failed and unchanged hand-ins.")
    cohort_option(autograde)
    autograde.add_argument("--workers", type=int, help="parallel workers (default: all cores)")
    autograde.add_argument("--timeout", type=int, help="seconds a cell may run (default: nbgrader_config.py)")
    autograde.add_argument("--force", action="store_true",
                           help="grade every submission again, also those unchanged since the last "
                                "run; manual grades are kept wherever the answer they graded is unchanged")
    feedback = command(steps, "feedback", _feedback, "Write an HTML feedback page per learner and "
                       "module, and release them to the exchange for learners to fetch.")
    cohort_option(feedback)

    certificate = command(commands, "certificate", _certificate,
                          "Write a printable certificate for every learner who passed every module "
                          "(`course certificate --cohort C`), or check a certificate's code "
                          "(`course certificate verify CODE --cohort C`).")
    # Not required here: `verify` may take --cohort after its code (argparse checks it in _certificate).
    certificate.add_argument("--cohort", type=_cohort_folder, help="the cohort: a name or a folder")
    certificate.set_defaults(code=None)
    actions = certificate.add_subparsers(dest="action")
    check_code = command(actions, "verify", _certificate, "Check a certificate's verification code.")
    check_code.add_argument("code", help="the code printed on the certificate, e.g. SC-1A2B-3C4D-5E6F")
    check_code.add_argument("--cohort", type=_cohort_folder, default=argparse.SUPPRESS,
                            help="the cohort that issued it")
    return top


def main(argv: list[str] | None = None) -> int:
    """Run the ``course`` command; known problems are printed without a traceback."""
    args = parser().parse_args(argv)
    if args.run is _check:  # fast: no nbgrader, no SQLAlchemy
        return _check(args)
    from sqlalchemy.exc import SAWarning

    from servicecourse.cohort import CohortError
    from servicecourse.cohort.roster import RosterError
    from servicecourse.grading.sandbox import SandboxUnavailable
    from servicecourse.grading.status import GradingBusy

    warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own autoflush notices
    try:
        return args.run(args)
    except (CohortError, RosterError, GradingBusy, SandboxUnavailable) as error:
        print(error, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Lay out a server for deploy/jupyterhub_config.py: groups, service accounts, nbgrader's
# exchange and who may read what. Run as root after installing, after creating a cohort and
# after adding accounts; running it again changes nothing that is already right.
#
# It reads the same settings as the hub (the COURSE_* variables of /etc/course-hub.env):
#   COURSE_COHORTS, COURSE_EXCHANGE_ROOT, COURSE_LEARNERS_GROUP, COURSE_TRAINERS_GROUP,
#   COURSE_HR_GROUP, COURSE_GRADER_USER, COURSE_APPS_USER, COURSE_ROLEPLAY_GROUP,
#   COURSE_HUB_STATE (the hub's working folder, /var/lib/course-hub) and COURSE_VENV (the venv
#   the hub runs from, .venv).
#
# What learners may not read afterwards (checked from a learner account by
# tests/test_hub_cohort.py): the modules' sources in solutions/, the repository's history
# (.git, which holds them too) and tests, the cohorts (gradebooks, rosters, hand-ins, keys),
# the hub's state, and each other's homes. What they need stays readable: the venv, the
# course package and the learner configuration in deploy/. The role-play app's account reads
# of the cohorts only their role-play folders (deploy/hub_share.py; checked from that account).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "setup-hub.sh: run as root" >&2; exit 1; }

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${COURSE_VENV:-$REPO/.venv}"  # the venv the hub runs from
PY="$VENV/bin/python"
[ -x "$PY" ] || { echo "setup-hub.sh: $PY missing: run 'make setup' in $REPO first" >&2; exit 1; }
COURSE_ID="$(cd "$REPO" && "$PY" -c 'from servicecourse import cohort; from servicecourse.course import REPO; print(cohort.config(REPO).CourseDirectory.course_id)')"
COHORTS="${COURSE_COHORTS:-$REPO/cohorts}"
EXCHANGE="${COURSE_EXCHANGE_ROOT:-/srv/nbgrader/exchange}"
GRADER="${COURSE_GRADER_USER:-grader-$COURSE_ID}"
APPS="${COURSE_APPS_USER:-course-apps}"
STATE="${COURSE_HUB_STATE:-/var/lib/course-hub}"
GROUPS_=("${COURSE_LEARNERS_GROUP:-course-learners}" "${COURSE_TRAINERS_GROUP:-course-trainers}"
         "${COURSE_HR_GROUP:-course-hr}")
# the role-play app's group and the folder it reads as its cohorts: as the hub config has them
{ read -r ROLEPLAY_GROUP; read -r SHARED; } < <("$PY" "$REPO/deploy/hub_share.py" --settings "$COHORTS")

# 1. The Unix groups whose members may log in (the hub copies them into its groups).
for group in "${GROUPS_[@]}"; do
  getent group "$group" >/dev/null || groupadd "$group"
done

# 2. Service accounts: the grader owns the cohorts and runs the formgrader, dashboard and
#    debrief; the apps account runs the role-play app and reads nothing private.
for account in "$GRADER" "$APPS"; do
  id -u "$account" >/dev/null 2>&1 ||
    useradd --system --create-home --home-dir "/var/lib/$account" --shell /usr/sbin/nologin "$account"
done
# The role-play app's account and the grader share one group: the grader gives it the
# role-play folders, the app reads them (and appends plays); nobody else is in it.
getent group "$ROLEPLAY_GROUP" >/dev/null || groupadd --system "$ROLEPLAY_GROUP"
for account in "$GRADER" "$APPS"; do
  id -nG "$account" | tr ' ' '\n' | grep -qxF "$ROLEPLAY_GROUP" || usermod -a -G "$ROLEPLAY_GROUP" "$account"
done

# Every account runs the venv's Python and the course's code: both must be reachable.
if ! runuser -u "$APPS" -- "$PY" -c 'import servicecourse, jupyterhub' 2>/dev/null; then
  echo "setup-hub.sh: other accounts cannot run $PY with the course: the venv's Python" \
       "($(readlink -f "$PY")) or $REPO is in a folder they cannot enter (a Python under" \
       "/root, as pyenv installs it, is); use a system-wide Python and keep the repository" \
       "in a public place such as /srv/service-course" >&2
  exit 1
fi

# 3. nbgrader's exchange: writable by everyone with the sticky bit (nobody removes another's
#    files), and the course's folder made now, by the grader, so no one else can take its name.
install -d -m 0755 "$(dirname "$EXCHANGE")"
install -d -m 1777 -o root -g root "$EXCHANGE"
install -d -m 0755 -o "$GRADER" -g "$(id -gn "$GRADER")" "$EXCHANGE/$COURSE_ID"

# 4. The repository: private parts closed to other accounts; the rest stays readable.
for private in .git tests workspace .run cohorts; do
  [ -e "$REPO/$private" ] && chmod -R go-rwx "$REPO/$private"
done
for module in "$REPO"/solutions/*/; do  # module names stay listable, their contents do not
  chmod -R go-rwx "$module"
done

# 5. The cohorts belong to the grader, and nobody else may read them; each uses the exchange.
#    Their role-play folders (in $SHARED, which the app reads) are left to step 6.
mkdir -p -m 0700 "$COHORTS"
chown "$GRADER" "$COHORTS"
find "$COHORTS" -mindepth 1 -maxdepth 1 ! -path "$SHARED" \
  -exec chown -R "$GRADER:$(id -gn "$GRADER")" {} + -exec chmod -R go-rwx {} +
[ -d "$SHARED" ] && chown -R "$GRADER" "$SHARED"  # the grader's, in the app's group
for config in "$COHORTS"/*/nbgrader_config.py; do
  [ -e "$config" ] || continue
  runuser -u "$GRADER" -- "$PY" -c 'import sys; from servicecourse.cohort.exchange import configure; configure(*sys.argv[1:])' \
    "$(dirname "$config")" "$EXCHANGE"
done

# 6. Each cohort's role-play folder, and nothing else of it, shared with the role-play app's
#    group: moved to $SHARED/<cohort>/roleplay, linked from the cohort (deploy/hub_share.py).
runuser -u "$GRADER" -- "$PY" "$REPO/deploy/hub_share.py" "$COHORTS"

# 7. Every member's home is their own.
for group in "${GROUPS_[@]}"; do
  for account in $(getent group "$group" | cut -d: -f4 | tr ',' ' '); do
    home="$(getent passwd "$account" | cut -d: -f6)"
    [ -d "$home" ] && chmod 0700 "$home"
  done
done

# 8. The hub's own folder (its database and cookie secret).
install -d -m 0700 "$STATE"
echo "setup-hub.sh: course $COURSE_ID, exchange $EXCHANGE, cohorts $COHORTS (owned by $GRADER)," \
     "role-play folders in $SHARED (group $ROLEPLAY_GROUP: $GRADER, $APPS)"

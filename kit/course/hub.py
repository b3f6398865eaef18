"""A cohort on JupyterHub: the configuration of one server for a course (``kit course hub-config``).

:func:`write_hub_config` writes, into an output folder:

- ``jupyterhub_config.py``: JupyterHub with configurable-http-proxy (the checkout's
  ``node_modules``, else ``PATH``), one account per learner (``allowed_users``), the trainers
  as admins, a real authenticator (PAM, JupyterHub's default: the server's own accounts) or,
  for tests only, the dummy one; ``LocalProcessSpawner`` starting this environment's
  ``jupyterhub-singleuser``, so every user gets the kit's ``python3`` kernel;
- ``learner/``: the learners' Jupyter config (``JUPYTER_CONFIG_PATH``): nbgrader's Assignment
  List and Validate, no Formgrader, Create Assignment or Course List (as ``make lab``:
  ``kit/course/learner_lab/``), and the nbgrader exchange and course id;
- ``trainer/``: the trainers' nbgrader settings (the exchange); their servers open the course
  folder, where formgrader finds the course;
- ``datasets/``: a copy of the course's datasets the learners' notebooks read
  (``KIT_DATASETS``), so learners never need to read the course folder;
- ``state/`` (mode 0700): the hub's database, cookie secret and proxy pid.

It also makes the nbgrader exchange, shared by everyone, with nbgrader's own permissions
(learners write into ``inbound`` but cannot list it), owned by the first trainer when that
account exists on this machine.

Only the course's marker (``kit-course.yaml``) and gradebook are read, not its
``nbgrader_config.py``: kit/course does not drive nbgrader (tests/test_layering.py).
"""

from __future__ import annotations

import csv
import io
import os
import pwd
import re
import shutil
import sqlite3
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kit.errors import CourseError
from kit.paths import COURSE_MARKER, checkout_root, course_folder, course_settings

LEARNER_LAB = Path(__file__).parent / "learner_lab"
DEFAULT_EXCHANGE = Path("/srv/nbgrader/exchange")  # nbgrader's default
AUTHENTICATORS = ("pam", "dummy")
# a name every Linux `useradd` accepts, nbgrader can put in a submission's file name and the kit
# accepts as a learner id (kit.grading.course.LEARNER_ID); JupyterHub would lowercase capitals
USERNAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
USERNAME_RULE = "lowercase letters, digits, '_' or '-', starting with a letter, at most 32"
# header names of the learner-id column in a CSV roster (else its first column)
ID_COLUMNS = ("id", "learner", "learner_id", "username", "user", "student", "student_id", "login")
# the exchange as nbgrader's release makes it: anyone may enter the root (sticky: nobody moves
# another's folder); the course folder and outbound are the trainer's; inbound is write-only for
# learners (0o2733: they drop submissions in, cannot list others'); feedback is found by hash only
EXCHANGE_MODES = {"outbound": 0o755, "inbound": 0o2733, "feedback": 0o711}


@dataclass
class HubConfig:
    """What :func:`write_hub_config` wrote.

    Attributes
    ----------
    config
        The ``jupyterhub_config.py`` (start the hub with ``jupyterhub -f`` it).
    course_id
        nbgrader's course id (the course's ``kit-course.yaml``).
    exchange
        The nbgrader exchange everyone shares.
    learners, trainers
        The accounts the hub allows (trainers are admins).
    notes
        What is left to do by hand (e.g. a system account that does not exist yet).
    """

    config: Path
    course_id: str
    exchange: Path
    learners: list[str]
    trainers: list[str]
    notes: list[str] = field(default_factory=list)


def check_username(name: str, where: str = "") -> str:
    """``name`` if it is a usable account name (:data:`USERNAME_RULE`); else :class:`CourseError`."""
    if not USERNAME.match(name):
        raise CourseError(
            f"'{name}'{where} is not a usable username",
            hint=f"use {USERNAME_RULE}; the hub's accounts are the server's accounts",
        )
    return name


def read_learners(path: Path) -> list[str]:
    """Learner ids from a roster: a text file with one id a line, or a CSV whose ``id`` (``learner``,
    ``username``, ``student_id``…) column holds them (else its first column). Blank lines and lines
    starting with ``#`` are skipped; an id listed twice counts once.

    Raises
    ------
    CourseError
        If the file is missing, or holds an id that is not a usable username.
    """
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"no learner list at {path}", hint="give a text or CSV file with one learner id a line")
    lines = [line for line in path.read_text(encoding="utf-8-sig").splitlines() if not line.lstrip().startswith("#")]
    rows = [(number, row) for number, row in enumerate(csv.reader(io.StringIO("\n".join(lines))), 1) if any(row)]
    column = 0
    if rows:
        header = [cell.strip().lower() for cell in rows[0][1]]
        named = [i for i, cell in enumerate(header) if cell in ID_COLUMNS]
        if named:
            column, rows = named[0], rows[1:]
    ids = []
    for number, row in rows:
        name = row[column].strip() if column < len(row) else ""
        ids.append(check_username(name, f" (row {number} of {path})"))
    return list(dict.fromkeys(ids))


def course_learners(course: Path) -> list[str]:
    """The learners the course's nbgrader gradebook knows (its ``student`` table), sorted."""
    gradebook = Path(course) / "gradebook.db"
    if not gradebook.is_file():
        return []
    with sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True) as db:
        try:
            return sorted(row[0] for row in db.execute("SELECT id FROM student"))
        except sqlite3.DatabaseError:
            return []


def hub_course_id(course: Path) -> str:
    """The course id in a course folder's ``kit-course.yaml``.

    Raises
    ------
    CourseError
        If ``course`` is not a course folder (``kit-course.yaml`` and ``nbgrader_config.py``), or
        names no course id.
    """
    course = Path(course)
    if not (course / COURSE_MARKER).is_file() or not (course / "nbgrader_config.py").is_file():
        raise CourseError(
            f"{course} is not a course folder (it needs {COURSE_MARKER} and nbgrader_config.py)",
            hint="give the folder `kit course new` made, or the checkout's grader/",
        )
    course_id = str(course_settings(course).get("course_id") or "")
    if not course_id or not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", course_id):
        raise CourseError(
            f"{course / COURSE_MARKER} names no usable course_id ({course_id!r})",
            hint="set course_id: letters, digits, '_', '.' or '-'",
        )
    return course_id


def find_proxy() -> Path:
    """configurable-http-proxy: the checkout's ``node_modules`` (``make install-hub``), else on ``PATH``."""
    local = checkout_root() / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.is_file():
        return local.absolute()
    found = shutil.which("configurable-http-proxy")
    if found is None:
        raise CourseError(
            "configurable-http-proxy (JupyterHub's proxy) is not installed",
            hint="run `make install-hub` in the kit's checkout, or `npm install -g configurable-http-proxy`",
        )
    return Path(found).absolute()


def singleuser_command() -> Path:
    """This environment's ``jupyterhub-singleuser`` (its kernels are the kit's)."""
    command = Path(sys.prefix) / "bin" / "jupyterhub-singleuser"
    if not command.is_file():
        raise CourseError(
            f"JupyterHub is not installed in {sys.prefix}",
            hint='install the kit\'s hub extra: pip install "civic-data-training-kit[hub]"',
        )
    return command


def system_user(name: str) -> pwd.struct_passwd | None:
    """The system account ``name``, or ``None`` when this machine has none."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _ensure_folder(folder: Path, mode: int) -> None:
    """``folder`` exists with ``mode`` (set only when it differs: a rerun need not own the folder)."""
    folder.mkdir(exist_ok=True)
    if folder.stat().st_mode & 0o7777 != mode:
        folder.chmod(mode)  # as nbgrader does: mkdir alone cannot make 0o2733


def make_exchange(exchange: Path, course_id: str, trainer: str) -> list[str]:
    """Make (or repair) the exchange and its course folder with nbgrader's modes (:data:`EXCHANGE_MODES`);
    as root, hand the course's part to ``trainer`` when that account exists. Return notes for the trainer."""
    exchange = Path(exchange).absolute()
    folders = [exchange / course_id, *(exchange / course_id / name for name in EXCHANGE_MODES)]
    try:
        exchange.mkdir(parents=True, exist_ok=True)
        _ensure_folder(exchange, 0o1777)
        for folder, mode in zip(folders, (0o755, *EXCHANGE_MODES.values()), strict=True):
            _ensure_folder(folder, mode)
    except PermissionError:
        raise CourseError(
            f"cannot make the nbgrader exchange {exchange}: permission denied",
            hint="run `kit course hub-config` as root, or give --exchange a folder you may write",
        ) from None
    account = system_user(trainer)
    if os.geteuid() == 0 and account is not None:
        for folder in folders:
            os.chown(folder, account.pw_uid, account.pw_gid)
    owner = folders[0].stat().st_uid
    if account is None or owner != account.pw_uid:
        return [f"the trainer must own {folders[0]} and its folders: chown -R {trainer} {folders[0]} (as root)"]
    return []


def write_jupyter_configs(out: Path, course: Path, course_id: str, exchange: Path) -> None:
    """``out/learner`` (the learner lab's config and nbgrader settings) and ``out/trainer`` (the course's
    nbgrader settings and the exchange)."""
    learner, trainer = out / "learner", out / "trainer"
    for folder in (learner, trainer):
        if folder.exists():
            shutil.rmtree(folder)
    shutil.copytree(LEARNER_LAB, learner, ignore=shutil.ignore_patterns("README.md", "__pycache__"))
    trainer.mkdir()
    settings = f"c.CourseDirectory.course_id = {course_id!r}\nc.Exchange.root = {str(exchange)!r}\n"
    (learner / "nbgrader_config.py").write_text(LEARNER_NBGRADER + settings + LEARNER_ID_SETTING, encoding="utf-8")
    trainer_head = TRAINER_NBGRADER.format(course_config=str(course / "nbgrader_config.py"))
    (trainer / "nbgrader_config.py").write_text(trainer_head + settings, encoding="utf-8")
    for path in (learner, trainer, *learner.rglob("*"), *trainer.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)  # every user's server reads them


def copy_datasets(course: Path, target: Path) -> Path:
    """A copy of the course's datasets everyone may read (the course folder itself is the trainer's)."""
    source = course_folder(course, "datasets")
    if not (source / "catalog.yaml").is_file():
        raise CourseError(f"the course's datasets are missing: no catalog.yaml in {source}")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, symlinks=False)
    for path in (target, *target.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def write_hub_config(
    course: Path,
    out: Path,
    *,
    learners: Path | list[str] | None = None,
    trainers: list[str],
    exchange: Path = DEFAULT_EXCHANGE,
    port: int = 8000,
    authenticator: str = "pam",
) -> HubConfig:
    """Write a JupyterHub for ``course``'s cohort into ``out`` (see the module's docstring); make the exchange.

    Parameters
    ----------
    course
        The course folder (``kit-course.yaml``, ``nbgrader_config.py``): the trainers' servers open it.
    out
        The folder to write into (made if missing; what it wrote before is rewritten, except the hub's
        ``state/`` and ``jupyterhub_config.local.py``, which the config loads last when it exists).
    learners
        A roster file (:func:`read_learners`), a list of ids, or ``None``: the course's nbgrader students.
    trainers
        The trainers' accounts (admins of the hub); the first owns the exchange's course folder.
    exchange
        nbgrader's exchange, shared by everyone (default ``/srv/nbgrader/exchange``).
    port
        The port the hub answers on (every interface).
    authenticator
        ``"pam"`` (the server's accounts and passwords) or ``"dummy"`` (tests only: any password).

    Raises
    ------
    CourseError
        Unknown course folder, no learners, an id that is not a usable username, a trainer who is also a
        learner, an unknown authenticator, or the proxy or JupyterHub missing.
    """
    course, out = Path(course).absolute(), Path(out).absolute()
    course_id = hub_course_id(course)
    ids = cohort(course, learners, trainers)
    if authenticator not in AUTHENTICATORS:
        raise CourseError(f"unknown authenticator '{authenticator}'", hint=f"one of {', '.join(AUTHENTICATORS)}")
    if not 0 < port < 65536:
        raise CourseError(f"{port} is not a port", hint="give a number from 1 to 65535")
    proxy, singleuser = find_proxy(), singleuser_command()
    out.mkdir(parents=True, exist_ok=True)
    (out / "state").mkdir(mode=0o700, exist_ok=True)
    exchange = Path(exchange).absolute()
    notes = make_exchange(exchange, course_id, trainers[0])
    write_jupyter_configs(out, course, course_id, exchange)
    datasets = copy_datasets(course, out / "datasets")
    values = {
        "course": course, "course_id": course_id, "exchange": exchange, "learners": ids["learners"],
        "trainers": ids["trainers"], "kit_bin": singleuser.parent, "proxy": proxy, "out": out,
        "datasets": datasets, "port": port, "authenticator": authenticator,
    }  # fmt: skip
    config = out / "jupyterhub_config.py"
    config.write_text(render_hub_config(values), encoding="utf-8")
    if authenticator == "pam":
        missing = [name for name in ids["trainers"] + ids["learners"] if system_user(name) is None]
        if missing:
            notes.append(f"{len(missing)} accounts do not exist on this machine yet (useradd): {', '.join(missing)}")
    return HubConfig(config, course_id, exchange, ids["learners"], ids["trainers"], notes)


def cohort(course: Path, learners: Path | list[str] | None, trainers: list[str]) -> dict[str, list[str]]:
    """The learners' and trainers' account names, checked: ``{"learners": [...], "trainers": [...]}``."""
    if isinstance(learners, str | Path):
        names = read_learners(Path(learners))
        source = str(learners)
    elif learners is None:
        names = [check_username(name, " (a student in the course's gradebook)") for name in course_learners(course)]
        source = f"the gradebook of {course}"
    else:
        names = list(dict.fromkeys(check_username(name) for name in learners))
        source = "the learner list"
    if not names:
        raise CourseError(f"no learners in {source}", hint="give --learners a file with one learner id a line")
    trainers = list(dict.fromkeys(check_username(name, " (a trainer)") for name in trainers))
    if not trainers:
        raise CourseError("no trainer given", hint="give --trainer the trainer's account name")
    both = [name for name in trainers if name in names]
    if both:
        raise CourseError(f"'{both[0]}' is both a trainer and a learner", hint="an account is one or the other")
    return {"learners": names, "trainers": trainers}


def render_hub_config(values: dict) -> str:
    """The text of ``jupyterhub_config.py`` for :func:`write_hub_config`'s ``values``."""
    dummy = values["authenticator"] == "dummy"
    out = values["out"]
    fields = {
        "written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "banner": DUMMY_BANNER if dummy else "",
        "config_path": out / "jupyterhub_config.py",
        "auth": DUMMY_AUTH if dummy else PAM_AUTH,
        "local": out / "jupyterhub_config.local.py",
    }
    names = ("course", "course_id", "exchange", "learners", "trainers", "proxy", "datasets")
    fields.update({name: repr(str(values[name]) if isinstance(values[name], Path) else values[name]) for name in names})
    fields["kit_bin"] = repr(str(values["kit_bin"]))
    fields["learner_jupyter"] = repr(str(out / "learner"))
    fields["trainer_jupyter"] = repr(str(out / "trainer"))
    fields["bind_url"] = repr(f"http://:{values['port']}")
    fields["db_url"] = repr(f"sqlite:///{out / 'state' / 'jupyterhub.sqlite'}")
    fields["cookie_secret"] = repr(str(out / "state" / "jupyterhub_cookie_secret"))
    fields["proxy_pid"] = repr(str(out / "state" / "jupyterhub-proxy.pid"))
    fields["local_repr"] = repr(str(fields["local"]))
    return HUB_CONFIG.format(**fields)


LEARNER_NBGRADER = """\
# nbgrader settings of every learner's Jupyter server on the hub (written by `kit course hub-config`;
# the hub points JUPYTER_CONFIG_PATH here). The Assignment List fetches from and submits to this exchange.
import os

c = get_config()  # noqa: F821
"""

# nbgrader names a submission after the server's system account; with PAM that is the hub name, and
# where several hub users share one account (a test hub) only the hub name tells them apart
LEARNER_ID_SETTING = """\
# A learner's nbgrader id is their hub account's name.
c.CourseDirectory.student_id = os.environ.get("JUPYTERHUB_USER", "*")
"""

TRAINER_NBGRADER = """\
# nbgrader settings of the trainers' Jupyter servers on the hub (written by `kit course hub-config`;
# the hub points JUPYTER_CONFIG_PATH here): the course's own nbgrader_config.py, then the exchange
# formgrader releases to and collects from. nbgrader reads the config of the folder a process starts
# in, and a server starts in its user's home: loading the course's here lets formgrader (and
# `nbgrader` in a terminal anywhere) find the course.
c = get_config()  # noqa: F821
load_subconfig({course_config!r})  # noqa: F821
"""

DUMMY_BANNER = """
# !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
# !!  FOR TESTS ONLY: NEVER START THIS HUB FOR A COHORT OR ON A NETWORK.                          !!
# !!  It uses JupyterHub's DummyAuthenticator: ANYONE can log in as ANY allowed user, a trainer   !!
# !!  (an admin) included, with ANY password. Write it again with `--authenticator pam`.          !!
# !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
"""

PAM_AUTH = """\
# PAM (JupyterHub's default): each learner and trainer logs in with their account on this server,
# made beforehand (`useradd -m NAME`, `passwd NAME`); only the names listed above may log in.
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.create_system_users = False
"""

DUMMY_AUTH = """\
# !!! TESTS ONLY: DummyAuthenticator lets ANYONE in as any allowed user with ANY password. !!!
c.JupyterHub.authenticator_class = "dummy"
# every hub page says so too
c.JupyterHub.template_vars = dict(announcement="TEST HUB: any password logs in. Never use it for a cohort.")
"""

HUB_CONFIG = '''\
"""JupyterHub for one course's cohort, on one server.

Written by `kit course hub-config` (Civic Data Training Kit) on {written}.
Start it as root (each user's server runs as that user's system account):

    jupyterhub -f {config_path}

Running `kit course hub-config` again rewrites this file; put changes of your own in
{local}, which is loaded last and never rewritten.
"""
{banner}
import os

c = get_config()  # noqa: F821 (traitlets provides it when JupyterHub loads this file)

# --- The course -------------------------------------------------------------------------------
COURSE = {course}  # the trainer's course folder (kit-course.yaml, nbgrader_config.py, gradebook)
COURSE_ID = {course_id}  # nbgrader's course id
EXCHANGE = {exchange}  # nbgrader's exchange: release, fetch, submit and collect go through it
LEARNERS = {learners}
TRAINERS = {trainers}  # admins of the hub; their servers open COURSE (formgrader)
KIT_BIN = {kit_bin}  # the kit's Python environment: jupyterhub-singleuser, kit, nbgrader, the kernel
LEARNER_JUPYTER = {learner_jupyter}  # learners' Jupyter config: Assignment List + Validate only
TRAINER_JUPYTER = {trainer_jupyter}  # trainers' nbgrader settings: the exchange
DATASETS = {datasets}  # a readable copy of the course's datasets, for learners' notebooks

# --- The hub and its proxy --------------------------------------------------------------------
# Every interface, plain HTTP: on a network, serve HTTPS (c.JupyterHub.ssl_cert and ssl_key, or a
# TLS reverse proxy in front).
c.JupyterHub.bind_url = {bind_url}
c.JupyterHub.db_url = {db_url}
c.JupyterHub.cookie_secret_file = {cookie_secret}
c.ConfigurableHTTPProxy.command = [{proxy}]
c.ConfigurableHTTPProxy.pid_file = {proxy_pid}

# --- Who may log in ---------------------------------------------------------------------------
c.Authenticator.allowed_users = set(LEARNERS) | set(TRAINERS)
c.Authenticator.admin_users = set(TRAINERS)
{auth}
# --- Each user's server -----------------------------------------------------------------------
# A process per user, as that user's system account, in their home folder, with the kit's
# JupyterLab and its "python3" kernel (installed in KIT_BIN's environment).
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(KIT_BIN, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120  # seconds: a whole cohort logging in at once starts slowly
c.Spawner.http_timeout = 60
c.Spawner.environment = dict(PATH=KIT_BIN + ":/usr/local/bin:/usr/bin:/bin")


def kit_pre_spawn_hook(spawner):
    """Trainers' servers open the course folder, where formgrader finds the course, with the exchange's
    settings; learners' get the learner lab's config and the datasets' copy."""
    env = dict(spawner.environment)
    if spawner.user.name in TRAINERS:
        spawner.notebook_dir = COURSE
        env["JUPYTER_CONFIG_PATH"] = TRAINER_JUPYTER
    else:
        env["JUPYTER_CONFIG_PATH"] = LEARNER_JUPYTER
        env["KIT_DATASETS"] = DATASETS
    spawner.environment = env


c.Spawner.pre_spawn_hook = kit_pre_spawn_hook

# --- Your own settings --------------------------------------------------------------------------
if os.path.isfile({local_repr}):
    load_subconfig({local_repr})  # noqa: F821
'''

"""The product under load: 50 members browsing and 5 uploading, against gunicorn, PostgreSQL, Redis and two workers.

1. Builds a case of 2,000 items with their cues (as bench/timeline.py does)
   in a PostgreSQL database of its own, with 50 members who browse (viewers
   and fact-checkers) and 5 contributors who upload.
2. Starts gunicorn (4 workers, as the README runs it) and two Celery workers on this machine, on
   127.0.0.1 only, with Redis as the broker, configured as a newsroom runs
   them (DEBUG off, static files collected, behind a TLS proxy: the bench
   sends X-Forwarded-Proto and lets its Secure cookies travel over HTTP).
3. Lets the 55 users arrive and log in over ten seconds, then measures for
   ``SECONDS``: members open the case page,
   the timeline, the review queue and an item's page; contributors upload a
   new screenshot (a rendered PNG with a date on it) every few seconds.
4. Waits for every upload to be processed, then prints requests per second,
   p50/p95/p99 latency per page, errors, and how the uploads ended.

Targets: 0 errors; p95 under 500 ms for the pages; every upload processed.

Run: .venv/bin/pip install -r bench/requirements-load.txt, then
.venv/bin/python bench/load.py   (uses the database "evidence_bench_load" on
127.0.0.1, created and dropped; Redis database 7 on 127.0.0.1, flushed)
"""

from __future__ import annotations

# Locust runs on gevent, which must patch the standard library before anything else is imported.
from gevent import monkey

monkey.patch_all()

import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from locust import HttpUser, between, task  # noqa: E402
from locust.env import Environment  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
DATABASE = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/evidence_bench_load")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
ITEMS = 2000
MEMBERS, UPLOADERS = 50, 5
PASSWORD = "load-bench-password-1"  # noqa: S105 - the bench's own throwaway users
SLUG = "load"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _environment(media: Path) -> dict[str, str]:
    """A newsroom's settings (DEBUG off), behind a proxy that terminates TLS and says so."""
    return {
        **os.environ, "DATABASE_URL": DATABASE, "REDIS_URL": REDIS, "MEDIA_ROOT": str(media),
        "VAR_DIR": str(media.parent), "DEBUG": "0", "SECRET_KEY": "load-bench-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1", "SECURE_PROXY_SSL_HEADER": "1", "SECURE_HSTS_SECONDS": "0",
        "OMP_THREAD_LIMIT": "1", "LOGIN_FAILURE_LIMIT": "1000",
    }  # fmt: skip


def _as_behind_proxy(user: HttpUser) -> None:
    """Send Secure cookies over the bench's plain HTTP, as a browser does over the proxy's HTTPS."""
    user.client.headers["X-Forwarded-Proto"] = "https"
    for cookie in user.client.cookies:
        cookie.secure = False


def _django(script: str, env: dict[str, str]) -> str:
    """Run Django code in a process of its own (this one runs on gevent) and return what it printed."""
    code = f"import sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); sys.path.insert(0, {str(ROOT)!r})\n"
    code += "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()\n"
    done = subprocess.run([PYTHON, "-c", code + script], env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"setup failed:\n{done.stderr[-3000:]}")
    return done.stdout


def setup(env: dict[str, str]) -> list[int]:
    """The database, the case, its members; returns the ids of the case's items."""
    script = f"""
import random
from django.contrib.auth import get_user_model
from django.core.management import call_command
from archive import services
from archive.roles import Role
import importlib.util
spec = importlib.util.spec_from_file_location("bench_timeline", {str(ROOT / "bench" / "timeline.py")!r})
bench_timeline = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_timeline)
call_command("migrate", verbosity=0)
users = get_user_model()
owner = users.objects.create_user("owner", password={PASSWORD!r})
case = bench_timeline.build_case({SLUG!r}, {ITEMS}, owner, random.Random(3))
for number in range({MEMBERS}):
    user = users.objects.create_user(f"member{{number}}", password={PASSWORD!r})
    services.membership_add(case=case, user=user, role=Role.FACT_CHECKER if number % 2 else Role.VIEWER, actor=owner)
for number in range({UPLOADERS}):
    user = users.objects.create_user(f"uploader{{number}}", password={PASSWORD!r})
    services.membership_add(case=case, user=user, role=Role.CONTRIBUTOR, actor=owner)
# The statistics autovacuum would gather on a server that has run for a while.
from django.db import connection
connection.cursor().execute("ANALYZE")
print(",".join(str(pk) for pk in case.evidence.values_list("pk", flat=True)))
"""
    return [int(pk) for pk in _django(script, env).strip().splitlines()[-1].split(",")]


def _secure(host: str) -> str:
    """The address as the browser sees it, through the proxy."""
    return host.replace("http://", "https://", 1)


def _login(user: HttpUser, name: str) -> None:
    _as_behind_proxy(user)
    page = user.client.get("/accounts/login/", name="login")
    _as_behind_proxy(user)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    user.client.post("/accounts/login/", {"username": name, "password": PASSWORD, "csrfmiddlewaretoken": token},
                     headers={"Referer": f"{_secure(user.host)}/accounts/login/"}, name="login",
                     allow_redirects=False)  # fmt: skip
    _as_behind_proxy(user)
    LOGGED_IN[0] += 1


ITEM_IDS: list[int] = []
LOGGED_IN = [0]
SCREENS: list[bytes] = []


class Member(HttpUser):
    weight = MEMBERS
    wait_time = between(1, 3)
    counter = 0

    def on_start(self) -> None:
        Member.counter += 1
        _login(self, f"member{(Member.counter - 1) % MEMBERS}")

    @task(3)
    def case_page(self) -> None:
        self.client.get(f"/cases/{SLUG}/", name="case")

    @task(3)
    def timeline(self) -> None:
        self.client.get(f"/cases/{SLUG}/timeline/", name="timeline")

    @task(2)
    def review(self) -> None:
        self.client.get(f"/cases/{SLUG}/review/", name="review")

    @task(3)
    def item(self) -> None:
        self.client.get(f"/cases/{SLUG}/evidence/{random.choice(ITEM_IDS)}/", name="evidence")


class Uploader(HttpUser):
    weight = UPLOADERS
    wait_time = between(4, 6)
    counter = 0

    def on_start(self) -> None:
        Uploader.counter += 1
        _login(self, f"uploader{(Uploader.counter - 1) % UPLOADERS}")

    @task
    def upload(self) -> None:
        page = self.client.get(f"/cases/{SLUG}/upload/", name="upload form")
        _as_behind_proxy(self)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        # Each upload is a new file: one of the screens with 16 random bytes after its end (PNG readers stop before).
        data = random.choice(SCREENS) + os.urandom(16)
        self.client.post(
            f"/cases/{SLUG}/upload/", data={"csrfmiddlewaretoken": token},
            files={"files": (f"screen-{time.time_ns()}.png", io.BytesIO(data), "image/png")},
            headers={"Referer": f"{_secure(self.host)}/cases/{SLUG}/upload/"}, name="upload",
        )  # fmt: skip


def _screens() -> list[bytes]:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 22)
    screens = []
    for day in (4, 12, 21):
        image = Image.new("RGB", (1280, 720), "white")
        draw = ImageDraw.Draw(image)
        draw.text((40, 40), "Labelling task 5512", fill="black", font=font)
        draw.text((40, 90), f"Posted {day} September 2023", fill="black", font=font)
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        screens.append(buffer.getvalue())
    return screens


def _wait_for(port: int) -> None:
    for _ in range(300):
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing answered on port {port}")


def _percentiles(entry: object) -> str:
    return " / ".join(f"{entry.get_response_time_percentile(p):>5.0f}" for p in (0.5, 0.95, 0.99))


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from _scratch_db import recreate_database

    recreate_database(DATABASE)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    env = _environment(work / "media")
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, capture_output=True)
    ITEM_IDS.extend(setup(env))
    _django("from django.core.management import call_command; call_command('collectstatic', '--noinput', verbosity=0)",
            env)  # fmt: skip
    SCREENS.extend(_screens())
    port = _free_port()
    processes = [
        subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--workers", "4", "--bind",
                          f"127.0.0.1:{port}", "--timeout", "120"], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        *(subprocess.Popen([str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-Q", "default,heavy",
                            "--concurrency", "1", "-n", f"bench{n}@%h", "--loglevel", "WARNING"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for n in range(2)),
    ]  # fmt: skip
    try:
        _wait_for(port)
        environment = Environment(user_classes=[Member, Uploader], host=f"http://127.0.0.1:{port}")
        runner = environment.create_local_runner()
        # People arrive over ten seconds; what is measured starts once all have logged in
        # (a login hashes its password on purpose slowly: 55 at once fill the machine for seconds).
        runner.start(MEMBERS + UPLOADERS, spawn_rate=(MEMBERS + UPLOADERS) / 10)
        while LOGGED_IN[0] < MEMBERS + UPLOADERS:
            gevent.sleep(0.2)
        logins = _percentiles(environment.stats.get("login", "POST"))
        environment.stats.reset_all()
        gevent.spawn_later(SECONDS, runner.quit)
        runner.greenlet.join()
        stats = environment.stats
        uploads = stats.get("upload", "POST").num_requests
        waited = _wait_processed(env, uploads)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
    _report(stats, uploads, waited, logins)


def _wait_processed(env: dict[str, str], uploads: int) -> dict:
    """How the uploads ended, once none is queued or processing any more (at most ten minutes)."""
    script = f"""
import json, time
from archive.models import Evidence
uploaded = Evidence.objects.filter(case__slug={SLUG!r}, original_name__startswith="screen-")
started = time.monotonic()
while uploaded.exclude(status__in=("done", "failed")).exists() and time.monotonic() - started < 600:
    time.sleep(1)
print(json.dumps({{"uploaded": uploaded.count(), "done": uploaded.filter(status="done").count(),
                  "failed": uploaded.filter(status="failed").count(), "waited": round(time.monotonic() - started)}}))
"""
    return json.loads(_django(script, env).strip().splitlines()[-1])


def _report(stats: object, uploads: int, ended: dict, logins: str) -> None:
    pages = ("case", "timeline", "review", "evidence")
    total = stats.total
    print(f"{MEMBERS} members browsing and {UPLOADERS} uploading for {SECONDS} s against gunicorn (4 workers), "
          f"PostgreSQL, Redis and two Celery workers on 2 cores; a case of {ITEMS:,} items")  # fmt: skip
    print(f"requests: {total.num_requests:,}, {total.total_rps:.1f} per second, errors {total.num_failures}")
    print(f"{'page':<12} {'requests':>8}  p50 / p95 / p99 ms")
    worst = 0.0
    print(f"{'login':<12} {MEMBERS + UPLOADERS:>8}  {logins}  (while people arrived, before the measurement)")
    for name, method in [(p, "GET") for p in pages] + [("upload form", "GET"), ("upload", "POST")]:
        entry = stats.get(name, method)
        print(f"{name:<12} {entry.num_requests:>8}  {_percentiles(entry)}  errors {entry.num_failures}")
        if name in pages:
            worst = max(worst, entry.get_response_time_percentile(0.95))
    for error in list(stats.errors.values())[:5]:
        print(f"  error: {error.method} {error.name}: {error.error} ({error.occurrences})")
    print(f"uploads: {uploads} posted, {ended['uploaded']} stored, {ended['done']} processed, "
          f"{ended['failed']} failed (all finished {ended['waited']} s after the load stopped)")  # fmt: skip
    # An upload in flight when the load stopped is stored although Locust did not count its answer.
    processed = ended["failed"] == 0 and ended["done"] == ended["uploaded"] >= uploads
    print(f"targets: errors 0: {'met' if total.num_failures == 0 else 'MISSED'}; "
          f"p95 of pages under 500 ms: {'met' if worst < 500 else 'MISSED'} ({worst:.0f} ms at worst); "
          f"every upload processed: {'met' if processed else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()

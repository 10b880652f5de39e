"""`invoke report`: the lab typed as a student types it, and each screen kept as evidence.

The commands are kit/statement.py's, typed in a scratch copy of the model answer
(corrige/: the statement's app.py, Dockerfile and Compose file), each in a terminal
of its own (kit/terminal.py), exactly as the statement writes them:
`docker build -t simple-api .` in api/, `docker run -p 8000:8000 simple-api` in the
foreground while a second terminal types `curl`, `docker ps` and `docker stop`,
`docker run -it alpine sh` and `docker compose exec db psql -U demo -d demo` with
their lines typed at the prompt, `logs -f` ended by Ctrl-C. A capture is what the
terminal shows at the end (as text, and as an SVG picture), plus, for the first
build, the screen while `pip install` runs, and for `logs -f` of 7.1, the screen
before the request. An edit of app.py is shown as the lines it changes. The report's
blocks of terminal output are copied from the captures (kit/excerpts.py) at the end of
the run.

Beyond the statement's commands, and said so in the report: at 1.1 `docker version` and
`docker compose version` (which engine the captures come from); `docker volume ls` after
part 5's `down` (the anonymous volume of postgres stays), and at 6.4 before and after
`down -v`. Of 6.4's two commands, `down` or `down -v`, the report types `down -v` on the
running stack (`down` was typed at 5.5): its volume goes, part 5's stays; at 3.3 a comment added to
app.py, a rebuild, the comment removed and a rebuild (the build cache at work); at 7.4,
after the break and its logs, `docker compose ps`, `docker compose ps -a` and `curl`,
and the repair typed as the break was: app.py restored, `docker build -t simple-api .`
in api/, `docker compose up -d --build`, `curl`.

What differs from a student's session, and why (the report's closing notice says it too):
- Before the first build, the build cache entries of that Dockerfile's own steps that
  no image uses are removed (`docker builder prune --filter id=...`), so that the
  build is a real one and `pip install` shows; nothing else of the cache is touched
  (a step that another image uses, such as `WORKDIR /app`, stays CACHED).
- The two prunes of 7.5 remove every stopped container and dangling image of the
  engine, yours too. The report types them, and at their `[y/N]` lists what they
  would remove: it answers y only when that is nothing but what the run made.
  Otherwise it answers N, removes only its own objects by id (`docker rm`,
  `docker image rm`), shows those commands, and the index says so.
- Before `docker volume ls`, it waits (bounded) for a moment when the engine holds no
  volume that appeared during the run and is not the run's (another program's).
- Where no registry answers, stand-ins take the public images' names for the run
  (kit/standins.py), and the captures' index says which.
- The model answer's folder is called `tp1-report`: Compose names the project after
  the folder, as it does for a student's (no COMPOSE_PROJECT_NAME), hence the names
  `tp1-report-api-1`, `tp1-report_default`, `tp1-report-api`. The kit's own files
  declare `name: tp1`, your stack's: there COMPOSE_PROJECT_NAME says `tp1-report-kit`.
  Ports 8000 and 5432 must be free, as the statement's files publish them.
- Before typing `curl` or `psql`, it waits (quietly, bounded) for uvicorn's start line in
  the container's logs, or for PostgreSQL to take a login, as a person waits to see it up
  (at 7.4, for the broken API to stop, as a person sees it stop).
The closing part (« Pour aller plus loin ») types a few commands on the kit's own files.
Everything the run made is found again and removed at the end, even after a failure:
the containers of the images it ran, the Compose projects and their volumes, the
images it built; a `simple-api` you had gets its tag back.

Windows has no pseudo-terminal: there the same commands run with pipes, `-i` for
`-it` and `-T` for `docker compose exec` (kit/terminal.py), and the index says so.

The package, module by module: run.py runs it all (make_report, and clean_up even after a
failure); lab.py makes the scratch folders and the environment the commands are typed in;
records.py keeps each Capture (written as text and SVG) and the Run (its terminals, and what
it made); probes.py waits and asks the engine quietly; steps.py holds what the parts share;
containers.py types parts 1 to 4, compose_stack.py parts 5 and 6, debugging.py part 7 (the
break, its repair, the prunes), further.py « Pour aller plus loin »; index.py writes the
captures' index.md.
"""

# What tasks.py runs, and the facts that tests/test_report.py holds the captures to.
from kit.report.compose_stack import VOLUME_LS
from kit.report.containers import COMMENT, VERSIONS
from kit.report.debugging import PS_ALL
from kit.report.further import FURTHER
from kit.report.lab import KIT_PROJECT, PROJECT, environment, scratch
from kit.report.run import make_report

__all__ = [
    "COMMENT",
    "FURTHER",
    "KIT_PROJECT",
    "PROJECT",
    "PS_ALL",
    "VERSIONS",
    "VOLUME_LS",
    "environment",
    "make_report",
    "scratch",
]

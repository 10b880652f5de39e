"""`invoke grade`: the statement's commands replayed on a student's repository.

source.py chooses the state to grade and finds the lab in it; safety.py judges the
student's Compose file (compose_reads.py: the files Compose reads, judged before it
runs; allowlist.py: what the resolved file may say; refusals.py: the words of each
refusal) and writes the confined copy that is run; inside.py judges every path after
its links. checks.py walks kit/statement.py's commands: sandbox.py drives Docker (runs
each command in the grading's confinement, asks the engine, removes all it made) and
returns facts; judge.py turns those facts into a verdict per step (verdict.py: a Check,
a Grade), with diagnose.py's cause and fix from an engine's or a container's output.
student_report.py finds and reads the report. run.py grades one repository or a class;
cli.py prints what the tasks say (options.py: their options' help); summary.py writes
the class's table and chart; classroom.py writes what GitHub Classroom's reporter
reads; messages.py says it all in French or English (locale/: the catalogues).
"""

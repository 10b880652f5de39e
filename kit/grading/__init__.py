"""`invoke grade`: the statement's commands replayed on a student's repository.

source.py chooses the state to grade and finds the lab in it; safety.py judges the
student's Compose file (compose_reads.py: the files Compose reads, judged before it
runs; allowlist.py: what the resolved file may say) and writes the confined copy that
is run; inside.py judges every path after its links; diagnose.py turns an engine's or a
container's output into a cause and a fix; checks.py replays kit/statement.py's commands
and judges each; student_report.py finds and reads the report; summary.py grades a class
and writes its table.
"""

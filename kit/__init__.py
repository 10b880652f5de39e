"""Helpers behind tasks.py, one module per concern: shell (show and run), stack (what a task
needs first), startup (waits and diagnosis), doctor, image, breakage, cleanup, dev_loop,
console; settings and read-only Docker queries (docker); the grader (grading/)."""

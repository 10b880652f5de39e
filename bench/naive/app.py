# The lab statement's app.py, completed as the exercise asks (part 3, step 1).
# `invoke bench` builds it the statement's way to compare the kit with.
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"status": "ok"}

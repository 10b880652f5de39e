# app.py : la mini-API du TP1 (partie 3, étape 1)

# Importer FastAPI
from fastapi import FastAPI

# Créer une instance FastAPI
app = FastAPI()


# Définir une route GET /health
@app.get("/health")
def health():
    return {"status": "ok"}

# The studio's one image: daphne by default; the worker service runs celery from it too.

# --- Frontend: Vite build -> frontend/dist ---------------------------------------
FROM node:20-slim AS frontend
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci
COPY frontend/ ./
RUN npm run build

# --- Application ------------------------------------------------------------------
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STUDIO_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles
WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
COPY --from=frontend /src/frontend/dist ./frontend/dist

# A throwaway key: collectstatic needs settings, and no key may be baked into the image.
RUN useradd --system --user-group --uid 10001 --home-dir /app studio \
    && SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && rm -rf /app/var && mkdir -p /app/var && chown studio:studio /app/var

USER studio
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "asyncflow_site.asgi:application"]

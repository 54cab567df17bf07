# One image for web, worker and beat; the local QBO sandbox builds its own image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 1000 app

COPY pyproject.toml requirements.lock README.md ./
COPY qbsync ./qbsync
COPY accounts ./accounts
COPY customers ./customers
COPY invoicing ./invoicing
COPY payments ./payments
RUN pip install --no-cache-dir -c requirements.lock .

COPY manage.py gunicorn.conf.py ./
COPY templates ./templates
COPY static ./static
# collectstatic needs settings, not real secrets: throwaway values for this one command.
RUN QBSYNC_ENV=production SECRET_KEY=collectstatic-only QBO_TOKEN_KEYS=build:unused \
    ALLOWED_HOSTS=localhost QBO_CLIENT_ID=build QBO_CLIENT_SECRET=build \
    QBO_REDIRECT_URI=https://localhost/ python manage.py collectstatic --noinput \
    && mkdir -p /app/var /data && chown app:app /app/var /data

USER app
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "qbsync.wsgi"]

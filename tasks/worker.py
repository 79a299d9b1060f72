"""Entry point for `celery -A tasks.worker worker|beat`: builds the app from the environment."""

from web import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]

"""Blueprints: thin views that parse the request, call one function and render."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Add every blueprint's routes to the app."""
    from . import account, admin, api, auth, certificates, evaluation, guide, learn, lti, offline, quiz

    for module in (auth, account, learn, quiz, guide, certificates, evaluation, admin, api, lti, offline):
        app.register_blueprint(module.bp)

"""Blueprints: thin views that parse the request, call one function and render."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from . import access, admin, api, assets, auth, guide, learn, quiz
    from .templating import init_app as init_templating

    for module in (auth, learn, quiz, guide, admin, api):
        app.register_blueprint(module.bp)
    assets.init_app(app)
    access.init_app(app)
    init_templating(app)

"""Extensions, created unbound; ``create_app`` binds them with ``init_app``."""

from typing import Any

import flask_login
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from .context import the_app, the_request, the_session
from .models import Base

db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate(render_as_batch=True, compare_type=True)


class LoginManager(flask_login.LoginManager):
    """Flask-Login, which hashes the client's address and browser on every request before it
    looks whether session protection is on; here it is off (``security.init_app``: the
    session version and time limits do that job), so the hash is skipped when it is."""

    def _update_remember_cookie(self, response: Any) -> Any:
        """Flask-Login's after-request step, which has nothing to do unless the session holds
        a "remember me" order or the settings refresh the cookie on every request (neither is
        the platform's: sign-in sets no such cookie); then it does its own steps."""
        if "_remember" in the_session() or the_app().config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST"):
            return super()._update_remember_cookie(response)
        return response

    def _session_protection_failed(self) -> bool:
        mode = the_app().config.get("SESSION_PROTECTION", self.session_protection)
        return mode in ("basic", "strong") and bool(super()._session_protection_failed())


class CsrfProtect(CSRFProtect):
    """Flask-WTF's protection, which looks up whether the view is exempt before it looks at
    the method; a ``GET`` has nothing to check, so the method is looked at first (2 % of a
    lesson page's time). Unsafe methods are checked exactly as Flask-WTF checks them."""

    def protect(self, apply_exemptions: bool = False) -> None:
        if the_request().method in the_app().config["WTF_CSRF_METHODS"]:
            super().protect(apply_exemptions)


login_manager = LoginManager()
csrf = CsrfProtect()

"""Flask extensions, created unbound and bound in create_app()."""

from flask import session
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StaffLoginManager(LoginManager):
    """Flask-Login with its session protection for the sessions it protects: those of a signed-in user.

    In "strong" mode Flask-Login also treats a visitor's session without a user (a CSRF token, the
    chosen language) as a stolen one on every request: it clears its keys and so sends the cookie
    again with every answer. An answer to a request sent before the session changed (the browser's
    favicon during the language switch) could then arrive after the change and put the old cookie
    back. A session without a user has nothing of Flask-Login's to protect, so it is left alone; a
    signed-in session from another address or browser is still ended (auth/sessions.py).
    """

    def _session_protection_failed(self) -> bool:
        if "_user_id" not in session:
            return False
        return bool(super()._session_protection_failed())


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = StaffLoginManager()
mail = Mail()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()

"""Unbound extensions; create_app() binds them with init_app()."""

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention so Alembic can name every constraint."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def commit_keeping_loaded() -> None:
    """Commit without expiring the session's objects: what was just written is what the
    database holds (Python-side defaults), so reading it afterwards needs no reload."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


#: execution options of an insert of many rows: every row names the same columns (None
#: included) so they go together, 100 rows a statement (psycopg's parsing of a statement
#: grows faster than its length)
BULK_INSERT = {"render_nulls": True, "insertmanyvalues_page_size": 100}

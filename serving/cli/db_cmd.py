"""`jiesu db …` and `jiesu users …`: the database schema and who may call the API."""
from __future__ import annotations

from typing import Annotated, Optional

import typer

from serving.cli.common import fail, settings_for

app = typer.Typer(help="The service database.", no_args_is_help=True)
users = typer.Typer(help="API keys: people and systems that call the service.", no_args_is_help=True)


@app.command()
def upgrade(url: Annotated[Optional[str], typer.Option(help="Database URL (default: the configured one).")] = None,
            revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
            rebuild_facts: Annotated[bool, typer.Option("--rebuild-facts", help="Derive the indicator facts again "
                                                        "even if they are current (after editing rows by hand).")]
            = False) -> None:
    """Bring the database schema to the latest migration (creates the SQLite file if needed) and the indicator
    facts derived from the tickets up to date."""
    from serving.migrate import upgrade as run_upgrade

    target = url or settings_for(None).database
    rebuilt = run_upgrade(target, revision, rebuild_facts=rebuild_facts)
    typer.echo(f"database at {revision}: {target.split('@')[-1]}")
    if rebuilt is not None:
        typer.echo(f"indicator facts rebuilt: {rebuilt} rows")


@users.command("add")
def add(name: Annotated[str, typer.Option(help="A unique name, e.g. agent-0012 or street-HP01-handler.")],
        role: Annotated[str, typer.Option(help="agent, unit, supervisor, maintainer, admin or system.")],
        unit: Annotated[Optional[str], typer.Option(help="For role unit: the unit code, e.g. street:HP01.")] = None,
        password: Annotated[bool, typer.Option("--password", help="Also set a login password (asked for, or "
                                               "read from $JIESU_PASSWORD).")] = False) -> None:
    """Create a principal and print its API key once (people who use the pages also get a password)."""
    from datetime import datetime

    from sqlalchemy.exc import IntegrityError

    from catalog.deadlines import TZ
    from serving.auth.service import create_principal
    from serving.db import make_engine, session_factory
    from serving.tickets.states import Role

    try:
        role_value = Role(role)
    except ValueError as exc:
        raise fail(f"role must be one of {', '.join(r.value for r in Role)}, not {role!r}") from exc
    engine = make_engine(settings_for(None).database)
    with session_factory(engine)() as session:
        try:
            key = create_principal(session, name=name, role=role_value, unit=unit, now=datetime.now(TZ),
                                   password=_ask_password() if password else None)
            session.commit()
        except ValueError as exc:
            raise fail(str(exc)) from exc
        except IntegrityError as exc:
            raise fail(f"a principal named {name!r} exists already (or run `jiesu db upgrade` first)") from exc
    typer.echo(key)


def _ask_password() -> str:
    import os

    return os.environ.get("JIESU_PASSWORD") or typer.prompt("password", hide_input=True, confirmation_prompt=True)


@users.command("password")
def password(name: Annotated[str, typer.Argument(help="The principal's name.")]) -> None:
    """Set a login password (asked for, or $JIESU_PASSWORD); ends the principal's open sessions."""
    from serving.auth.service import set_password
    from serving.db import make_engine, session_factory

    with session_factory(make_engine(settings_for(None).database))() as session:
        try:
            set_password(session, name=name, password=_ask_password())
        except ValueError as exc:
            raise fail(str(exc)) from exc
        session.commit()
    typer.echo(f"password set for {name}")


@users.command("list")
def list_() -> None:
    """Every principal: name, role, unit, whether it can log in, active."""
    from sqlalchemy import select

    from serving.auth.models import Principal
    from serving.db import make_engine, session_factory

    with session_factory(make_engine(settings_for(None).database))() as session:
        for p in session.scalars(select(Principal).order_by(Principal.name)):
            login = "password" if p.password_hash else "key only"
            typer.echo(f"{p.name}\t{p.role}\t{p.unit or '-'}\t{login}\t{'active' if p.active else 'inactive'}")


DEMO_PEOPLE = (("demo-agent", "agent", None), ("demo-supervisor", "supervisor", None),
               ("demo-maintainer", "maintainer", None), ("demo-heating", "unit", "heating_supply"),
               ("demo-street-HP01", "unit", "street:HP01"), ("demo-admin", "admin", None))


@users.command("demo")
def demo_people() -> None:
    """One login per role for the demo pages (password from $JIESU_PASSWORD, default printed); rerunning resets
    the passwords."""
    import os
    from datetime import datetime

    from sqlalchemy import select

    from catalog.deadlines import TZ
    from serving.auth.models import Principal
    from serving.auth.service import create_principal, set_password
    from serving.db import make_engine, session_factory
    from serving.tickets.states import Role

    password = os.environ.get("JIESU_PASSWORD") or "jiesu-demo-2026"
    with session_factory(make_engine(settings_for(None).database))() as session:
        for name, role, unit in DEMO_PEOPLE:
            if session.scalar(select(Principal.id).where(Principal.name == name)) is None:
                create_principal(session, name=name, role=Role(role), unit=unit, now=datetime.now(TZ),
                                 password=password)
            else:
                set_password(session, name=name, password=password)
        session.commit()
    names = ", ".join(name for name, _, _ in DEMO_PEOPLE)
    typer.echo(f"demo logins ({names}), password {password}: http://127.0.0.1:8000/login")

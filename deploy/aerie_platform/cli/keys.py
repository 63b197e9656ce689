"""``aerie token`` and ``aerie client``: bearer tokens and integration clients' credentials."""

from __future__ import annotations

import argparse

from aerie_platform import compose
from aerie_platform.cli.console import say
from aerie_platform.settings import Settings

MAX_TOKEN_HOURS = 168


def cmd_token(args: argparse.Namespace) -> int:
    from aerie_gateway.identity import Unauthenticated, issue_token

    settings = compose.read_settings()
    database_url = settings.require_database()
    tokens = compose.token_settings(settings, database_url)
    if tokens.local_key is None:
        say("local tokens are off (AERIE_LOCAL_TOKENS=off): ask your identity provider")
        return 2
    if not args.subject and not args.client:
        say("name --subject (a person's employee id) or --client (an integration client)")
        return 2
    if not 0 < args.hours <= MAX_TOKEN_HOURS:
        say(f"--hours {args.hours:g} is not allowed: more than 0, at most {MAX_TOKEN_HOURS}")
        return 2
    claims = {"site": args.site, "team": args.team, "department": args.department}
    if args.client:
        refused = client_refused(database_url, args.client, args.role)
        if refused:
            say(f"no token issued: {refused}")
            return 2
        claims = {"site": args.site, "client": args.client}
    try:
        token = issue_token(
            tokens,
            role=args.role,
            subject=args.subject or f"client:{args.client}",
            valid_seconds=int(args.hours * 3600),
            **claims,
        )
    except Unauthenticated as error:
        say(f"no token issued: {error.message}")
        return 2
    print(token)
    return 0


def client_refused(database_url: str, client_id: str, role: str) -> str:
    """Why a token for ``client_id`` in ``role`` may not be issued ('' when it may)."""
    import psycopg
    from aerie_gateway.clients import find_client

    with psycopg.connect(database_url) as conn:
        client = find_client(conn, client_id)
    if client is None or client.revoked:
        return f"no active client {client_id!r} (`aerie client list` shows them)"
    if client.role != role:
        return f"client {client_id!r} is a {client.role}, not a {role}"
    return ""


def print_demo_tokens(settings: Settings, database_url: str) -> None:
    """A ready token for each demo role (12 hours), and how to make others."""
    import psycopg
    from aerie_gateway.clients import ensure_client
    from aerie_gateway.identity import issue_token
    from aerie_services.demo import people_to_sign_in_as

    tokens = compose.token_settings(settings, database_url)
    if tokens.local_key is None:
        say("tokens come from your identity provider (AERIE_LOCAL_TOKENS=off)")
        return
    people = people_to_sign_in_as()
    with psycopg.connect(database_url) as conn:  # the demo's integration clients
        for role, claims in people.items():
            if claims.get("client"):
                ensure_client(conn, claims["client"], role, claims.get("site"))
    lines = []
    for role, claims in people.items():
        token = issue_token(
            tokens,
            role=role,
            subject=claims["subject"],
            site=claims.get("site"),
            team=claims.get("team"),
            department=claims.get("department"),
            client=claims.get("client"),
        )
        scope = ", ".join(f"{k} {v}" for k, v in claims.items() if k != "subject")
        lines.append(f"  {role} {claims['subject']}{f' ({scope})' if scope else ''}:\n    {token}")
    say("bearer tokens for the demo, one per role (valid 12 hours):\n" + "\n".join(lines))
    say("more: aerie token --role ROLE --subject ID [--site S] [--team T] [--department D]")


def cmd_client(args: argparse.Namespace) -> int:
    import psycopg
    from aerie_gateway import clients

    if args.action in ("add", "revoke") and not args.client_id:
        say(f"name the client: aerie client {args.action} CLIENT_ID")
        return 2
    settings = compose.read_settings()
    database_url = settings.require_database()
    with psycopg.connect(database_url) as conn:
        if args.action == "add":
            try:
                secret = clients.add_client(conn, args.client_id, args.role, args.site)
            except clients.ClientRefused as error:
                say(f"no client added: {error}")
                return 2
            say(f"client {args.client_id} ({args.role}) added; its secret, shown only now:")
            print(secret)
            say(
                f"ask for a token: POST /token with grant_type=client_credentials, "
                f"client_id={args.client_id} and this client_secret"
            )
        elif args.action == "revoke":
            if not clients.revoke_client(conn, args.client_id):
                say(f"no active client {args.client_id!r}: `aerie client list` shows them")
                return 2
            say(f"client {args.client_id} revoked: its secret and tokens are refused from now on")
        else:
            for client in clients.list_clients(conn):
                state = "revoked" if client.revoked else "active"
                say(f"{client.client_id} {client.role} {client.site_id or '-'} {state}")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    token = sub.add_parser("token", help="issue a bearer token signed with the local key")
    token.add_argument("--role", required=True, help="agent, team_lead, site_manager, ...")
    token.add_argument("--subject", help="the employee id (or a name)")
    token.add_argument("--client", help="a registered integration client (aerie client add)")
    token.add_argument("--site")
    token.add_argument("--team")
    token.add_argument("--department")
    token.add_argument(
        "--hours",
        type=float,
        default=12.0,
        help=f"how long it is valid (at most {MAX_TOKEN_HOURS})",
    )
    token.set_defaults(handler=cmd_token)
    client = sub.add_parser("client", help="add, list or revoke integration clients")
    client.add_argument("action", choices=("add", "list", "revoke"))
    client.add_argument("client_id", nargs="?", default="")
    client.add_argument("--role", default="site_publisher", help="site_publisher, hris or lms")
    client.add_argument("--site", help="the site a site_publisher publishes for")
    client.set_defaults(handler=cmd_client)

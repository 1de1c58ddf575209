"""`archive user …` and `archive token …`: create users, give or take the right to see personal
numbers unmasked (audited), create API tokens."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from archive.auth import service as auth, users
from archive.auth.actor import CLI
from archive.cli.common import fail, resolve_org, services
from archive.errors import DomainError


@click.group("user", cls=AppGroup, help="用户 / Users.")
def user_group():
    pass


@user_group.command("create", help="创建用户 / Create a user.")
@click.argument("username")
@click.option("--org", "org_ref", required=True, help="所属单位路径或区划代码 / the user's org unit")
@click.option("--role", type=click.Choice(["admin", "clerk", "inspector", "viewer"]), required=True,
              help="admin 系统管理员, clerk 档案员, inspector 检查人员, viewer 领导")
@click.option("--password", help="密码（不给则提示输入） / password (prompted when omitted)")
@with_appcontext
def user_create(username: str, org_ref: str, role: str, password: str | None):
    if password is None:
        password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    with services().db.session() as session:
        org = resolve_org(session, org_ref)
        try:
            user = auth.create_user(session, username=username, org=org, role=role, password=password)
        except DomainError as e:
            fail(e.message, 2)
        click.echo(f"已创建用户 / created: {user.username} ({auth.ROLE_NAMES[role]}, {user.org.path})")


@user_group.command("personal", help="授予（或以 --revoke 收回）查看完整身份证号码和电话号码的权限；记入审计日志。 / "
                                     "Give or take the right to see personal numbers unmasked.")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="收回权限 / take the right away")
@with_appcontext
def user_personal(username, revoke):
    value = not revoke
    with services().db.session() as session:
        try:
            user = auth.get_user(session, username)
        except DomainError:
            fail(f"用户“{username}”不存在 / no such user", 2)
        users.update(session, CLI, user.id, can_view_personal=value)  # audited when it changes
    click.echo(f"{username}：{'可以' if value else '不能'}查看完整的身份证号码和电话号码 / "
               f"{'may' if value else 'may not'} see personal numbers unmasked")


@click.group("token", cls=AppGroup, help="API 令牌 / API tokens.")
def token_group():
    pass


@token_group.command("create", help="为用户创建 API 令牌，只显示一次。 / Create an API token (shown once).")
@click.argument("username")
@with_appcontext
def token_create(username: str):
    with services().db.session() as session:
        try:
            token = auth.create_token(session, auth.get_user(session, username))
        except DomainError as e:
            fail(e.message, 2)
    click.echo(token)

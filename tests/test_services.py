"""The administration write path: accounts, imports (row errors, atomicity, idempotence,
never touching passwords or roles), groups, trainer records and the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from training.course import get_catalogue
from training.extensions import db
from training.models import (
    Attendance,
    AuditEvent,
    Group,
    GroupRole,
    Membership,
    PendingImport,
    Role,
    UnitCompletion,
    User,
)
from training.permissions import Actor, NotFound
from training.queries.groups import group_for, learner_for, list_groups
from training.security import load_user
from training.services import accounts, groups, imports, workshops
from training.services.accounts import AccountError
from training.services.audit import printable
from training.services.credentials import verify_password
from training.services.groups import GroupError
from training.services.imports import ImportKind, ImportRejected

from .factories import make_user

HEADER = "email,name,organisation,country,role,groups\n"


@pytest.fixture
def boss(app):
    user = make_user("admin", email="boss@example.org")
    return Actor(user.id, Role.ADMIN, "192.0.2.1")


def users_by_email() -> dict[str, User]:
    return {u.email: u for u in db.session.scalars(sa.select(User))}


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def import_text(actor: Actor, text: str, kind=ImportKind.USERS, group_id=None):
    return imports.import_file(actor, kind, text.encode("utf-8"), "cohort.csv", group_id)


# --- accounts ---------------------------------------------------------------------------------


def test_create_account_gives_a_temporary_password_that_must_be_changed(boss):
    created = accounts.create_account(
        boss, " Ana@Example.ORG ", "Ana Diallo", "learner", "Ministry", "Kenya", invite=False
    )
    user = db.session.get(User, created.user.id)
    assert (user.email, user.country, user.must_change_password) == ("ana@example.org", "KE", True)
    assert verify_password(user, created.temporary_password)
    assert len(created.temporary_password.replace("-", "")) == 16
    assert audit_actions() == ["account.create"]
    with pytest.raises(AccountError, match="already exists"):
        accounts.create_account(boss, "ANA@example.org", "Ana again")


def test_deactivation_ends_every_session_at_once(boss):
    user = make_user("learner")
    before = f"{user.id}.{user.session_version}"
    assert load_user(before) is not None
    accounts.deactivate_account(boss, user.id)
    db.session.expire_all()
    assert load_user(before) is None
    user = db.session.get(User, user.id)
    assert not user.active and user.session_version == int(before.split(".")[1]) + 1
    accounts.reactivate_account(boss, user.id)
    db.session.expire_all()
    assert load_user(before) is None, "an old session stays ended after reactivation"
    assert load_user(f"{user.id}.{db.session.get(User, user.id).session_version}") is not None
    assert audit_actions() == ["account.deactivate", "account.reactivate"]


def test_password_reset_ends_sessions_and_forces_a_change(boss):
    user = make_user("learner")
    password = accounts.reset_password(boss, user.id)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.must_change_password and verify_password(user, password)
    assert not verify_password(user, "correct horse battery")
    assert audit_actions() == ["account.password_reset"]
    detail = db.session.scalar(sa.select(AuditEvent.detail))
    assert password not in str(detail)


def test_role_change_rules(boss):
    learner = make_user("learner")
    accounts.change_role(boss, learner.id, "trainer")
    assert db.session.get(User, learner.id).role == Role.TRAINER
    with pytest.raises(AccountError, match="your own role"):
        accounts.change_role(boss, boss.user_id, "learner")
    with pytest.raises(AccountError, match="last active administrator"):
        accounts.deactivate_account(Actor(None, Role.ADMIN), boss.user_id)
    trainer_actor = Actor(learner.id, Role.TRAINER)
    with pytest.raises(AccountError, match="may not give"):
        accounts.change_role(trainer_actor, learner.id, "admin")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.role"))
    assert event.detail == {"before": "learner", "after": "trainer"} and event.ip == "192.0.2.1"


def test_line_breaks_control_and_direction_characters_in_names_are_refused(boss):
    for name in ("Evil\r\nFAKE LOG LINE", "Evil\x00\x1b[31m", "Amina\u202eanilorac"):
        with pytest.raises(AccountError, match="line break, a control character"):
            accounts.create_account(boss, "x@example.org", name)
    assert accounts.create_account(boss, "x@example.org", "  Amina   Diallo ").user.name == "Amina Diallo"


# --- imports ----------------------------------------------------------------------------------


def test_import_reports_every_problem_with_its_row_number_and_imports_nothing(boss):
    make_user("learner", email="existing@example.org")
    text = HEADER + (
        "ana@example.org,Ana,Ministry,KE,,\n"  # row 2: fine
        "not-an-email,Bo,,,,\n"  # row 3
        "chen@example.org,,,,,\n"  # row 4: no name
        "dina@example.org,Dina,,Atlantis,,\n"  # row 5: no such country
        "eli@example.org,Eli,,,admin,\n"  # row 6: an import cannot make administrators
        "ANA@example.org,Ana twice,,,,\n"  # row 7: same address as row 2
        "fay@example.org,Fay,,,,No such group\n"  # row 8
    )
    with pytest.raises(ImportRejected) as caught:
        import_text(boss, text)
    problems = [(p.row, p.message) for p in caught.value.plan.errors]
    assert [row for row, _ in problems] == [3, 4, 5, 6, 7, 8]
    assert "valid email" in problems[0][1]
    assert problems[1][1] == "name: is required."
    assert "'Atlantis'" in problems[2][1]
    assert "cannot create admin accounts" in problems[3][1]
    assert "same address as row 2" in problems[4][1]
    assert "no group named 'No such group'" in problems[5][1]
    assert set(users_by_email()) == {"boss@example.org", "existing@example.org"}
    assert "import.users" not in audit_actions()


def test_an_error_in_the_last_row_of_a_big_file_leaves_nothing_behind(boss):
    rows = "".join(f"learner{i}@example.org,Learner {i},Ministry,KE,,\n" for i in range(300))
    with pytest.raises(ImportRejected) as caught:
        import_text(boss, HEADER + rows + "broken,Broken,,,,\n")
    assert [p.row for p in caught.value.plan.errors] == [302]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_reimporting_the_same_file_changes_nothing(boss):
    group = groups.create_group(boss, "Nairobi 2026")
    text = HEADER + "ana@example.org,Ana,Ministry,KE,,Nairobi 2026\nbo@example.org,Bo,,NG,trainer,\n"
    first = import_text(boss, text)
    assert (len(first.created), first.memberships) == (2, 1)
    snapshot = {e: (u.name, u.password_hash, u.role, u.session_version) for e, u in users_by_email().items()}
    second = import_text(boss, text)
    db.session.expire_all()
    assert (len(second.created), second.updated, second.unchanged, second.memberships) == (0, 0, 2, 0)
    assert {e: (u.name, u.password_hash, u.role, u.session_version) for e, u in users_by_email().items()} == snapshot
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(Membership.group_id == group.id))
        == 1
    )


def test_import_updates_details_but_never_passwords_or_roles(boss):
    user = make_user("learner", email="ana@example.org", name="Ana", organisation="Old")
    old_hash = user.password_hash
    result = import_text(boss, HEADER + "Ana@Example.org,Ana Diallo,New Ministry,SN,trainer,\n")
    assert (result.updated, len(result.created)) == (1, 0)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name, user.organisation, user.country) == ("Ana Diallo", "New Ministry", "SN")
    assert (user.password_hash, user.role) == (old_hash, Role.LEARNER)
    plan = imports.plan_import(boss, ImportKind.USERS, HEADER + "ana@example.org,Ana Diallo,,,admin,\n")
    assert plan.ok and "role stays learner" in plan.rows[0].notes[-1]


def test_import_limits(boss, app):
    app.config["IMPORT_MAX_ROWS"] = 3
    with pytest.raises(ImportRejected, match="problem") as caught:
        import_text(boss, HEADER + "".join(f"u{i}@example.org,U,,,,\n" for i in range(4)))
    assert "more than 3 rows" in str(caught.value.plan.errors[0])
    app.config["MAX_CONTENT_LENGTH"] = 100
    plan = imports.preview_import(boss, ImportKind.USERS, (HEADER + "a@example.org," + "x" * 200 + ",,,,\n").encode())
    assert not plan.ok and "larger than" in str(plan.errors[0])


def test_formula_guard_from_an_export_is_removed_on_import(boss):
    result = import_text(boss, HEADER + "ana@example.org,'=Ana,'-Ministry,,,\n")
    user = db.session.get(User, result.created[0].user.id)
    assert (user.name, user.organisation) == ("=Ana", "-Ministry")


def test_two_step_import_keeps_the_file_until_confirmed_and_checks_again(boss):
    plan = imports.preview_import(boss, ImportKind.USERS, (HEADER + "ana@example.org,Ana,,,,\n").encode(), "x.csv")
    assert plan.ok and plan.token and plan.rows[0].action == imports.RowAction.CREATE
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1, "a preview changes nothing"
    with pytest.raises(NotFound):
        imports.pending_plan(Actor(None, Role.ADMIN), plan.token)  # someone else's pending import
    make_user("trainer", email="ana@example.org")  # meanwhile, the address was taken by a trainer
    again = imports.pending_plan(boss, plan.token)
    assert again.rows[0].action == imports.RowAction.UPDATE
    result = imports.confirm_import(boss, plan.token)
    assert result.created == () and result.updated == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingImport)) == 0
    with pytest.raises(NotFound):
        imports.confirm_import(boss, plan.token)


def test_confirm_is_all_or_nothing_when_the_data_changed_since_the_preview(boss):
    group = groups.create_group(boss, "Cohort")
    plan = imports.preview_import(
        boss, ImportKind.USERS, (HEADER + "ana@example.org,Ana,,,,\nbo@example.org,Bo,,,,Cohort\n").encode()
    )
    db.session.delete(db.session.get(Group, group.id))
    db.session.commit()
    with pytest.raises(ImportRejected) as caught:
        imports.confirm_import(boss, plan.token)
    assert [p.row for p in caught.value.plan.errors] == [3]
    assert set(users_by_email()) == {"boss@example.org"}


def test_member_import_needs_existing_accounts_and_fitting_roles(boss):
    group = groups.create_group(boss, "Cohort")
    make_user("learner", email="ana@example.org")
    make_user("trainer", email="tom@example.org")
    bad = "email,role\nana@example.org,learner\nghost@example.org,\nana@example.org,trainer\ntom@example.org,learner\n"
    with pytest.raises(ImportRejected) as caught:
        import_text(boss, bad, ImportKind.MEMBERS, group.id)
    assert sorted({p.row for p in caught.value.plan.errors}) == [3, 4, 5]
    result = import_text(boss, "email,role\nana@example.org,\ntom@example.org,trainer\n", ImportKind.MEMBERS, group.id)
    assert result.memberships == 2
    assert import_text(boss, "email\nana@example.org\n", ImportKind.MEMBERS, group.id).memberships == 0
    assert audit_actions()[-2:] == ["import.members", "import.members"]


# --- groups and trainer records -------------------------------------------------------------------


@pytest.fixture
def workshop(boss):
    trainer = make_user("trainer", email="tom@example.org")
    other = make_user("trainer", email="olga@example.org")
    group = groups.create_group(boss, "Workshop", starts_on=date(2026, 3, 2))
    groups.add_member(boss, group.id, "tom@example.org", "trainer")
    learners = [make_user("learner", email=f"l{i}@example.org") for i in range(3)]
    for learner in learners:
        groups.add_member(boss, group.id, learner.email, "learner")
    return group, Actor(trainer.id, Role.TRAINER), Actor(other.id, Role.TRAINER), learners


def test_trainers_reach_only_their_own_groups_and_learners(workshop):
    group, tom, olga, learners = workshop
    assert group_for(tom, group.id).id == group.id
    with pytest.raises(NotFound):
        group_for(olga, group.id)
    with pytest.raises(NotFound):
        group_for(tom, group.id + 100)
    assert learner_for(tom, learners[0].id).id == learners[0].id
    with pytest.raises(NotFound):
        learner_for(olga, learners[0].id)
    assert [g.group.id for g in list_groups(olga)] == []


def test_attendance_and_trainer_marked_completion(workshop):
    group, tom, olga, learners = workshop
    catalogue = get_catalogue()
    now = datetime(2026, 3, 3, 9, tzinfo=UTC)
    result = workshops.record_attendance(
        tom,
        catalogue,
        group.id,
        "alpha",
        date(2026, 3, 2),
        [learners[0].id, learners[1].id],
        mark_complete=True,
        now=now,
    )
    assert (result.present, result.marked_complete) == (2, 2)
    marks = db.session.scalars(sa.select(UnitCompletion)).all()
    assert {(m.user_id, m.marked_by_id, m.group_id, m.completed_at) for m in marks} == {
        (learners[0].id, tom.user_id, group.id, datetime(2026, 3, 2, 12, tzinfo=UTC)),
        (learners[1].id, tom.user_id, group.id, datetime(2026, 3, 2, 12, tzinfo=UTC)),
    }
    again = workshops.record_attendance(
        tom, catalogue, group.id, "alpha", date(2026, 3, 2), [learners[0].id], mark_complete=True, now=now
    )
    assert again.marked_complete == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 2
    with pytest.raises(NotFound):
        workshops.record_attendance(olga, catalogue, group.id, "alpha", date(2026, 3, 2), [learners[0].id])
    outsider = make_user("learner")
    with pytest.raises(NotFound):
        workshops.record_attendance(tom, catalogue, group.id, "alpha", date(2026, 3, 2), [outsider.id])
    with pytest.raises(GroupError, match="future"):
        workshops.record_attendance(tom, catalogue, group.id, "alpha", date(2026, 3, 9), [learners[0].id], now=now)
    assert workshops.undo_unit_completion(tom, group.id, "alpha", learners[1].id)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitCompletion)) == 1
    actions = audit_actions()
    assert actions.count("trainer.attendance") == 2 and actions.count("trainer.unit_complete") == 2
    assert actions[-1] == "trainer.unit_complete_undo"


def test_group_membership_roles_must_fit_the_account(boss):
    group = groups.create_group(boss, "Cohort")
    make_user("learner", email="ana@example.org")
    with pytest.raises(GroupError, match="trainer or administrator accounts"):
        groups.add_member(boss, group.id, "ana@example.org", "trainer")
    with pytest.raises(GroupError, match="no account"):
        groups.add_member(boss, group.id, "ghost@example.org", "learner")
    with pytest.raises(GroupError, match="already exists"):
        groups.create_group(boss, "cohort")


def test_demoting_a_trainer_turns_their_group_roles_into_learner_roles(boss, workshop):
    group, tom, _, _ = workshop
    accounts.change_role(boss, tom.user_id, "learner")
    role = db.session.scalar(sa.select(Membership.role).where(Membership.user_id == tom.user_id))
    assert role == GroupRole.LEARNER


def test_audit_targets_are_escaped_for_logs(boss):
    assert printable("x\r\nFAKE\x00") == "x\\r\\nFAKE\\x00"


@pytest.mark.parametrize("first, second", [("Cohort", "cohort"), ("À", "À"), ("Équipe Dakar", "équipe dakar")])
def test_group_names_are_unique_whatever_their_case_or_script(boss, first: str, second: str):
    groups.create_group(boss, first)
    with pytest.raises(GroupError, match="already exists"):
        groups.create_group(boss, second)
    other = groups.create_group(boss, "Another")
    with pytest.raises(GroupError, match="already exists"):
        groups.update_group(boss, other.id, second)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Group)) == 2


def test_a_group_description_keeps_its_lines_but_no_other_control_characters(boss):
    group = groups.create_group(boss, "Lines", "First line.\r\nSecond line,\tindented.")
    assert group.description == "First line.\r\nSecond line,\tindented."
    with pytest.raises(GroupError, match="control character"):
        groups.update_group(boss, group.id, "Lines", "A NUL\x00 here")
    with pytest.raises(GroupError, match="control character"):
        groups.create_group(boss, "Escape", "\x1b[31m red")

"""The upgrade from 18.0.1.0.0 (migrations/18.0.2.0.0/pre-migrate.py), run on res_partner put back in its
18.0.1.0.0 shape inside the test's transaction (rolled back at the end of the test)."""

import importlib.util
from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import SQL

from .. import hooks
from ..models import account_move_line
from .common import DebtCollectionCommon, load_shipped_translations

MIGRATIONS = Path(__file__).parent.parent / "migrations" / "18.0.2.0.0"
MIGRATION = MIGRATIONS / "pre-migrate.py"


def _load_migration(path=MIGRATION):
    spec = importlib.util.spec_from_file_location(f"debt_collection_{path.stem.replace('-', '_')}_18_0_2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestMigration(DebtCollectionCommon):
    def test_upgrade_from_18_0_1_keeps_the_data(self):
        follows = self._customer("Copied collector", user_id=self.salesman_a.id)
        explicit = self._customer("Explicit collector", user_id=self.salesman_a.id)
        quiet = self._customer("Quiet", user_id=self.salesman_b.id)
        company_2 = self.setup_other_company(name="Migration Co 2")["company"]
        self.env.flush_all()
        cr = self.env.cr
        # 18.0.1.0.0: collector_id a stored copy of the salesperson; plain no_reminder / attention columns; none of
        # the reporting views of later versions (they read the new columns)
        cr.execute(SQL("""
            DROP VIEW debt_collection_activity_report;
            DROP VIEW debt_reminder_effectiveness;
            ALTER TABLE res_partner DROP COLUMN debt_collector_id;
            ALTER TABLE res_partner ADD COLUMN collector_id int4;
            ALTER TABLE res_partner DROP COLUMN no_reminder;
            ALTER TABLE res_partner ADD COLUMN no_reminder boolean;
            ALTER TABLE res_partner DROP COLUMN debt_attention;
            ALTER TABLE res_partner ADD COLUMN debt_attention boolean;
            ALTER TABLE res_partner DROP COLUMN debt_attention_reason;
            ALTER TABLE res_partner ADD COLUMN debt_attention_reason varchar;
        """))
        cr.execute(SQL("UPDATE res_partner SET collector_id = user_id WHERE id IN %s", (follows.id, quiet.id)))
        cr.execute(SQL("UPDATE res_partner SET collector_id = %s WHERE id = %s", self.salesman_b.id, explicit.id))
        cr.execute(SQL(
            "UPDATE res_partner SET no_reminder = TRUE, debt_attention = TRUE, debt_attention_reason = 'disputed'"
            " WHERE id = %s", quiet.id))

        _load_migration().migrate(cr, "18.0.1.0.0")
        self.env.invalidate_all()

        cr.execute(SQL(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'res_partner'"
            " AND column_name = 'collector_id'"))
        self.assertFalse(cr.fetchall(), "the old column is dropped")
        for company in (self.company, company_2):
            with self.subTest(company=company.name):
                self.assertEqual(follows.with_company(company).collector_id, self.salesman_a)
                self.assertFalse(follows.with_company(company).debt_collector_id)
                self.assertEqual(explicit.with_company(company).collector_id, self.salesman_b)
                self.assertEqual(explicit.with_company(company).debt_collector_id, self.salesman_b)
                self.assertTrue(quiet.with_company(company).no_reminder)
                self.assertTrue(quiet.with_company(company).debt_attention)
                self.assertEqual(quiet.with_company(company).debt_attention_reason, "disputed")
                self.assertFalse(follows.with_company(company).no_reminder)
        # now the collector follows the salesperson where it was the copy
        follows.user_id = self.salesman_b
        self.assertEqual(follows.collector_id, self.salesman_b)
        # running it again changes nothing
        _load_migration().migrate(cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(explicit.collector_id, self.salesman_b)

    def test_upgrade_from_18_0_1_refreshes_unedited_templates(self):
        """The SMS templates (noupdate) still as shipped in 18.0.1.0.0 get the new texts and translations on
        upgrade; one the user edited keeps the user's text."""
        load_shipped_translations(self.env)
        post = _load_migration(MIGRATIONS.parent / "18.0.2.1.0" / "post-20-refresh-templates.py")
        upcoming = self.env.ref("debt_collection.sms_template_debt_reminder_upcoming")
        overdue = self.env.ref("debt_collection.sms_template_debt_reminder_overdue")
        final = self.env.ref("debt_collection.sms_template_debt_reminder_final")
        new_upcoming = upcoming.body
        new_vi = upcoming.with_context(lang="vi_VN").body
        self.assertNotEqual(new_vi, new_upcoming)
        # 18.0.1.0.0: the old texts (with an old translation), the final notice edited by the user
        upcoming.with_context(lang="en_US").body = post.SHIPPED_18_0_1["sms_template_debt_reminder_upcoming"]
        upcoming.with_context(lang="vi_VN").body = "Bản dịch cũ"
        overdue.with_context(lang="en_US").body = post.SHIPPED_18_0_1["sms_template_debt_reminder_overdue"]
        final.with_context(lang="en_US").body = "Our own words: {{ object.amount_due_text }} is due."
        self.env.flush_all()

        self.assertEqual(post.refresh_unedited_templates(self.env.cr), [
            "sms_template_debt_reminder_overdue", "sms_template_debt_reminder_upcoming"])
        # what the upgrade does next: load the translations of the installed languages
        self.env.invalidate_all()
        self.env.ref("base.module_debt_collection")._update_translations(["vi_VN"])
        self.env.invalidate_all()

        self.assertEqual(upcoming.body, new_upcoming)
        self.assertEqual(upcoming.with_context(lang="vi_VN").body, new_vi, "the new translation, not the old one")
        self.assertNotEqual(overdue.body, post.SHIPPED_18_0_1["sms_template_debt_reminder_overdue"])
        self.assertEqual(final.body, "Our own words: {{ object.amount_due_text }} is due.", "the user's text kept")
        post.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(upcoming.body, new_upcoming, "running it again changes nothing")

    def test_upgrade_from_18_0_1_refreshes_unedited_mail_bodies(self):
        """The e-mail templates (noupdate) whose body is still the one of 18.0.1.0.0 (QWeb logic), whitespace aside,
        get the new body (plain placeholders) and its translations on upgrade; one the user edited is kept."""
        load_shipped_translations(self.env)
        post = _load_migration(MIGRATIONS.parent / "18.0.2.1.0" / "post-20-refresh-templates.py")
        old = post.mail_bodies(post.OLD_MAIL_BODIES)
        upcoming = self.env.ref("debt_collection.mail_template_debt_reminder_upcoming")
        overdue = self.env.ref("debt_collection.mail_template_debt_reminder_overdue")
        final = self.env.ref("debt_collection.mail_template_debt_reminder_final")
        new = {template: (template.body_html, template.with_context(lang="vi_VN").body_html)
               for template in upcoming | overdue}
        self.assertNotEqual(new[upcoming][1], new[upcoming][0])
        self.assertNotIn("t-if", new[upcoming][0])
        # 18.0.1.0.0: the old bodies (one with an old translation, one re-indented), the final notice edited
        upcoming.with_context(lang="en_US").body_html = old["mail_template_debt_reminder_upcoming"]
        upcoming.with_context(lang="vi_VN").body_html = "<p>Bản dịch cũ</p>"
        overdue.with_context(lang="en_US").body_html = "\n  ".join(
            old["mail_template_debt_reminder_overdue"].split("\n"))
        edited = old["mail_template_debt_reminder_final"].replace("Kind regards,", "Best regards,")
        final.with_context(lang="en_US").body_html = edited
        self.env.flush_all()
        edited = final.body_html  # as the field stored it (sanitized)
        self.assertIn("Best regards,", edited)

        self.assertEqual(post.refresh_unedited_templates(self.env.cr), [
            "mail_template_debt_reminder_overdue", "mail_template_debt_reminder_upcoming"])
        # what the upgrade does next: load the translations of the installed languages
        self.env.invalidate_all()
        self.env.ref("base.module_debt_collection")._update_translations(["vi_VN"])
        self.env.invalidate_all()

        for template, (body, body_vi) in new.items():
            self.assertEqual(template.body_html, body, template.name)
            self.assertEqual(template.with_context(lang="vi_VN").body_html, body_vi, "the new translation")
        self.assertEqual(final.body_html, edited, "the user's body kept")
        post.migrate(self.env.cr, "18.0.1.0.0")
        self.env.invalidate_all()
        self.assertEqual(upcoming.body_html, new[upcoming][0], "running it again changes nothing")

@tagged("post_install", "-at_install")
class TestOpenItemsIndex(DebtCollectionCommon):
    """The open-items index: built by the post-init hook and the 18.0.2.1.0 migration (not by ``init()``), dropped
    by the uninstall hook."""

    def _index(self):
        self.env.cr.execute(SQL(
            "SELECT i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s", account_move_line.OPEN_ITEMS_INDEX))
        return self.env.cr.fetchone()

    def _migration(self):
        path = Path(__file__).parent.parent / "migrations" / "18.0.2.1.0" / "post-10-open-items-index.py"
        spec = importlib.util.spec_from_file_location("debt_collection_post_migrate_18_0_2_1", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def test_installed_and_known_to_the_uninstall_hook(self):
        valid, definition = self._index()
        self.assertTrue(valid)
        self.assertIn("(account_id, partner_id) INCLUDE (company_id, move_id", definition)
        self.assertIn("WHERE (((parent_state)::text = 'posted'::text) AND (reconciled IS NOT TRUE) AND "
                      "(amount_residual <> (0)::numeric))", definition)
        self.assertIn(("account_move_line", account_move_line.OPEN_ITEMS_INDEX), hooks.OWN_INDEXES)

    def test_upgrade_builds_it_when_missing_and_keeps_it_otherwise(self):
        cr = self.env.cr
        before = self._index()
        self._migration().migrate(cr, "18.0.2.0.0")  # present: kept as it is
        self.assertEqual(self._index(), before)
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(account_move_line.OPEN_ITEMS_INDEX)))
        self.assertIsNone(self._index())
        self._migration().migrate(cr, "18.0.1.0.0")  # a small table: built at once, in the upgrade's transaction
        self.assertEqual(self._index(), before)
        self._migration().migrate(cr, None)  # a new install: the post-init hook's business, nothing here
        self.assertEqual(self._index(), before)

    def test_big_table_built_concurrently_after_the_commit(self):
        cr = self.env.cr
        cr.execute(SQL("DROP INDEX %s", SQL.identifier(account_move_line.OPEN_ITEMS_INDEX)))
        callbacks = len(cr.postcommit._funcs)
        # a table "bigger" than the threshold: nothing built in the transaction, one build after the commit
        with patch.object(account_move_line, "CONCURRENT_ROWS", 0):
            account_move_line.ensure_open_items_index(cr)
        self.assertIsNone(self._index())
        self.assertEqual(len(cr.postcommit._funcs), callbacks + 1)
        cr.postcommit.clear()  # this test's transaction never commits

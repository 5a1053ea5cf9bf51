from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user
from odoo.tools import file_open, mute_logger
from odoo.tools.translate import PoFileReader, TranslationImporter

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

TODAY = date(2026, 6, 15)
NOW = "2026-06-15 10:00:00"  # UTC: the same calendar day in Ho Chi Minh City (17:00) and Taipei (18:00)


def days_ago(days):
    return TODAY - timedelta(days=days)


class DebtCollectionCommon(AccountTestInvoicingCommon):
    """Real posted invoices, payments and credit notes, at a frozen "now"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.startClassPatcher(freeze_time(NOW))
        cls.company = cls.company_data["company"]
        # the credit limits of the tests are in use (Odoo's setting, off by default: then no limit counts)
        cls.company.account_use_credit_limit = True
        cls.currency = cls.company.currency_id
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 3.0), ("2017-01-01", 2.0)])
        cls.pay_terms_30 = cls.env["account.payment.term"].create({
            "name": "30 days",
            "line_ids": [Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})],
        })
        cls.salesman_a = new_test_user(
            cls.env, login="dc_sales_a", name="Sales A", groups="sales_team.group_sale_salesman",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.salesman_b = new_test_user(
            cls.env, login="dc_sales_b", name="Sales B", groups="sales_team.group_sale_salesman",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.collection_manager = new_test_user(
            cls.env, login="dc_manager", name="Collection Manager",
            groups="sales_team.group_sale_salesman_all_leads,debt_collection.group_debt_collection_manager",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])

    @classmethod
    def _customer(cls, name, **values):
        return cls.env["res.partner"].create({"name": name, "is_company": True, "tz": "UTC", **values})

    @classmethod
    def _invoice(cls, partner, amount, days_old, move_type="out_invoice", currency=None, payment_term=None,
                 company=None):
        """A posted invoice (or credit note) of ``amount`` dated ``days_old`` days before today, no tax."""
        move = cls.init_invoice(
            move_type, partner=partner, invoice_date=days_ago(days_old), amounts=[amount], taxes=[],
            currency=currency, company=company)
        move.invoice_payment_term_id = payment_term or cls.pay_terms_a  # immediate: due on the invoice date
        move.action_post()
        return move

    @classmethod
    def _pay(cls, invoices, amount, days_old, currency=None):
        """Register a payment on ``invoices`` through Odoo's payment wizard."""
        wizard = cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids,
        ).create({
            "amount": amount,
            "payment_date": days_ago(days_old),
            **({"currency_id": currency.id} if currency else {}),
        })
        return wizard._create_payments()

    @classmethod
    def _unreconciled_payment(cls, partner, amount, days_old):
        payment = cls.env["account.payment"].create({
            "amount": amount,
            "date": days_ago(days_old),
            "payment_type": "inbound",
            "partner_type": "customer",
            "partner_id": partner.id,
            "journal_id": cls.company_data["default_journal_bank"].id,
            "payment_method_line_id": cls.inbound_payment_method_line.id,
        })
        payment.action_post()
        return payment

    @classmethod
    def _sale_order(cls, partner, amount, confirm=True):
        order = cls.env["sale.order"].create({
            "partner_id": partner.id,
            "user_id": partner.user_id.id,
            "order_line": [Command.create({
                "product_id": cls.product_a.id,
                "product_uom_qty": 1,
                "price_unit": amount,
                "tax_id": [Command.clear()],
            })],
        })
        if confirm:
            order.action_confirm()
        return order


def load_shipped_translations(env, files=(("vi_VN", "vi.po"), ("zh_TW", "zh_TW.po"))):
    """Activate the languages and load the module's shipped .po files into the database.

    Odoo's loader merges each .po with i18n/debt_collection.pot and drops the entries the .pot does not have yet
    (it is regenerated with `make pot`): the shipped .po files are loaded as they are too."""
    langs = dict(files)
    with mute_logger("odoo.addons.base.models.ir_module", "odoo.tools.translate"):
        for lang in langs:
            env["res.lang"]._activate_lang(lang)
        env.ref("base.module_debt_collection")._update_translations(list(langs))
        importer = TranslationImporter(env.cr, verbose=False)
        for lang, name in langs.items():
            with file_open(f"debt_collection/i18n/{name}", "rb") as po:
                importer._load(PoFileReader(po.read().decode()), lang)
        importer.save()

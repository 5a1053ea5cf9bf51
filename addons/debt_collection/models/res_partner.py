from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

from .common import open_items_domain
from .debt_call import OUTCOMES
from .input_limits import MAX_CREDIT_DAYS, check_integer_limits
from .sql_common import credit_limit_value

DEBT_FIGURES = (
    "total_receivable", "not_due_amount", "overdue_amount", "overdue_invoice_count",
    "oldest_overdue_days", "credit_limit", "sale_to_invoice", "credit_exposure", "credit_used_percent",
)

USER_GROUP = "debt_collection.group_debt_collection_user"
MANAGER_GROUP = "debt_collection.group_debt_collection_manager"

# Who changes what on the customer (README, "Who sees what"). Checked in create()/write() for every
# caller but the superuser and the engine (sudo()), whatever the views show.
# - collection managers only (every change tracked in the chatter):
# Credit days longer than ten years mean a typing error (and PostgreSQL's integers stop at 2,147,483,647).
PARTNER_LIMITS = {"credit_days": (0, MAX_CREDIT_DAYS)}
DEBT_MANAGER_FIELDS = ("debt_manual_hold", "debt_hold_reason", "debt_collector_id", "collector_id", "credit_days")
# - the customer's salesperson or collector, or a collection manager:
DEBT_OWNER_FIELDS = ("payment_contact_id", "no_reminder", "debt_collection_notes")
# - nobody: set by the engine (calls, reminders) and cleared through action_debt_clear_attention:
DEBT_ENGINE_FIELDS = ("debt_attention", "debt_attention_reason", "debt_final_notice")


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Collection profile. The collector is per company (like the credit hold): the one set explicitly by a
    # collection manager (debt_collector_id, company-dependent), else the current salesperson, so that it
    # follows the customer when it moves from one salesperson to another.
    debt_collector_id = fields.Many2one(
        "res.users", string="Collector (Set Explicitly)", company_dependent=True, tracking=True,
        domain=[("share", "=", False)],
        help="Who chases this customer's payments in this company, when not its salesperson. "
             "Only a collection manager sets it.")
    collector_id = fields.Many2one(
        "res.users", compute="_compute_collector_id", inverse="_inverse_collector_id",
        search="_search_collector_id", domain=[("share", "=", False)],
        help="Who chases this customer's payments in this company: the collector set by a collection manager, "
             "else the salesperson.")
    # not copied: a duplicate is another customer (its own contacts, its own terms), and salespeople may duplicate
    payment_contact_id = fields.Many2one(
        "res.partner", tracking=True, copy=False,
        domain="[('id', 'child_of', commercial_partner_id)]",
        help="The person to talk to about payments: reminders and call summaries go to this contact.")
    credit_days = fields.Integer(
        tracking=True, copy=False,
        help="Days of credit granted to this customer, counted from the invoice date.")
    no_reminder = fields.Boolean(
        string="No Reminders", company_dependent=True, tracking=True,
        help="Never send automatic payment reminders to this customer (in this company).")
    # The text itself is readable by collection managers only; the others read and write it through
    # debt_collection_notes, which is empty for the customers they may not see.
    collection_notes = fields.Text(string="Collection Notes (Stored)", groups=MANAGER_GROUP, copy=False)
    debt_collection_notes = fields.Text(
        string="Collection Notes", compute="_compute_debt_collection_notes",
        inverse="_inverse_debt_collection_notes", groups=USER_GROUP)
    debt_note_ids = fields.One2many("debt.note", "partner_id", string="Collection History", groups=USER_GROUP)
    debt_note_count = fields.Integer(
        compute="_compute_debt_note_count", string="Collection Notes Count", groups=USER_GROUP)

    # Credit hold (per company, like Odoo's credit limit): collection managers only; the others see that a
    # customer of theirs is on hold, and why, in on_credit_hold and credit_hold_message.
    debt_manual_hold = fields.Boolean(
        string="Manual Credit Hold", company_dependent=True, copy=False, readonly=True, tracking=True,
        groups=MANAGER_GROUP,
        help="Placed and released by a collection manager, with a reason recorded in the chatter.")
    debt_hold_reason = fields.Char(
        string="Hold Reason", company_dependent=True, copy=False, readonly=True, tracking=True,
        groups=MANAGER_GROUP)

    # Debt at a glance: computed for the whole recordset from one query, current company only; empty for
    # the customers the user may not see (_debt_visible_commercial_ids)
    debt_currency_id = fields.Many2one("res.currency", compute="_compute_debt_figures", groups=USER_GROUP)
    debt_total_receivable = fields.Monetary(
        compute="_compute_debt_figures", currency_field="debt_currency_id", string="Open Receivable",
        groups=USER_GROUP)
    debt_not_due_amount = fields.Monetary(
        compute="_compute_debt_figures", currency_field="debt_currency_id", string="Not Yet Due", groups=USER_GROUP)
    overdue_amount = fields.Monetary(
        compute="_compute_debt_figures", currency_field="debt_currency_id", groups=USER_GROUP)
    overdue_invoice_count = fields.Integer(
        compute="_compute_debt_figures", string="Overdue Invoices", groups=USER_GROUP)
    oldest_overdue_days = fields.Integer(
        compute="_compute_debt_figures", string="Oldest Overdue (Days)", groups=USER_GROUP)
    debt_credit_limit = fields.Monetary(
        compute="_compute_debt_figures", currency_field="debt_currency_id", string="Effective Credit Limit",
        help="Odoo's credit limit of this customer (or the company's default), 0 meaning no limit.",
        groups=USER_GROUP)
    debt_sale_to_invoice = fields.Monetary(
        compute="_compute_debt_figures", currency_field="debt_currency_id", string="Ordered, Not Invoiced",
        groups=USER_GROUP)
    credit_exposure = fields.Monetary(
        compute="_compute_debt_figures", currency_field="debt_currency_id",
        help="Total receivable plus confirmed sale orders not yet invoiced.", groups=USER_GROUP)
    credit_used_percent = fields.Float(compute="_compute_debt_figures", string="Credit Used (%)", groups=USER_GROUP)
    last_payment_date = fields.Date(compute="_compute_debt_figures", string="Last Payment", groups=USER_GROUP)
    on_credit_hold = fields.Boolean(compute="_compute_debt_figures", groups=USER_GROUP)
    credit_hold_message = fields.Text(
        compute="_compute_debt_figures", string="Credit Hold Explanation", groups=USER_GROUP)

    # ------------------------------------------------------------------ who may see and change what
    @api.model
    def _debt_is_manager(self):
        return self.env.su or self.env.user.has_group(MANAGER_GROUP)

    def _debt_visible_commercial_ids(self):
        """The commercial partners of ``self`` whose collection data the current user may read, as a set of
        ids, or None for all of them: the superuser and collection managers see every customer, collection
        users the customers whose salesperson or collector (in the current company) they are, other users
        none. Read from the partners' own fields (no query beyond fetching them, whatever their number)."""
        if self._debt_is_manager():
            return None
        user = self.env.user
        if not user.has_group(USER_GROUP):
            return set()
        commercial = self.commercial_partner_id
        # sudo: reading who owns the customers, to decide what to show (the fields themselves are not secret)
        return {partner.id for partner in commercial.sudo()
                if user.id in (partner.user_id.id, partner.debt_collector_id.id)}

    def _debt_check_owner(self, field_names):
        """Refuse (AccessError) unless the user is a collection manager, or the salesperson or collector of
        every customer of ``self``."""
        if self._debt_is_manager():
            return
        visible = self._debt_visible_commercial_ids()
        refused = self.commercial_partner_id.filtered(lambda p: p.id not in visible)
        if refused:
            labels = ", ".join(self._fields[name]._description_string(self.env) for name in field_names)
            raise AccessError(self.env._(
                "Only the salesperson or the collector of %(customer)s, or a collection manager, can change: "
                "%(fields)s.", customer=refused[0].display_name, fields=labels))

    def _debt_check_collection_write(self, vals):
        """The write rules of the collection fields (see DEBT_*_FIELDS)."""
        if self.env.su:
            return
        manager_fields = [name for name in DEBT_MANAGER_FIELDS if name in vals]
        if manager_fields and not self._debt_is_manager():
            labels = ", ".join(self._fields[name]._description_string(self.env) for name in manager_fields)
            raise AccessError(self.env._("Only a collection manager can change: %(fields)s.", fields=labels))
        engine_fields = [name for name in DEBT_ENGINE_FIELDS if name in vals]
        if engine_fields:
            labels = ", ".join(self._fields[name]._description_string(self.env) for name in engine_fields)
            raise AccessError(self.env._(
                "%(fields)s: set by calls and reminders, and cleared with the \"Clear\" button of the customer; "
                "they cannot be written directly.", fields=labels))
        owner_fields = [name for name in DEBT_OWNER_FIELDS if name in vals]
        if owner_fields:
            self._debt_check_owner(owner_fields)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                # a new customer has no collection data yet: only the manager and engine fields are checked, when
                # given a value (forms and copy() send every field, credit days 0 included)
                self.browse()._debt_check_collection_write(
                    {key: value for key, value in vals.items() if key not in DEBT_OWNER_FIELDS and value})
        check_integer_limits(self, vals_list, PARTNER_LIMITS, context_defaults=False)
        return super().create(vals_list)

    def write(self, vals):
        self._debt_check_collection_write(vals)
        check_integer_limits(self, [vals], PARTNER_LIMITS, context_defaults=False)
        return super().write(vals)

    def export_data(self, fields_to_export):
        # Odoo's export reads the records' fields without checking their groups (the web client only offers
        # the fields the user may read, but export_data is callable over RPC): check them here, so that the
        # collection fields restricted by groups= are refused on this path too.
        names = {path.replace(":id", "").replace(".id", "id").split("/")[0] for path in fields_to_export}
        self.check_field_access_rights("read", [name for name in names if name in self._fields])
        return super().export_data(fields_to_export)

    @api.constrains("payment_contact_id")
    def _check_payment_contact(self):
        for partner in self:
            contact = partner.payment_contact_id
            if contact and contact.commercial_partner_id != partner.commercial_partner_id:
                raise ValidationError(self.env._(
                    "The payment contact of %(customer)s must be %(customer)s itself or one of its contacts, "
                    "not %(contact)s.", customer=partner.commercial_partner_id.display_name,
                    contact=contact.display_name))

    @api.depends("user_id", "debt_collector_id")
    @api.depends_context("company")
    def _compute_collector_id(self):
        for partner in self:
            partner.collector_id = partner.debt_collector_id or partner.user_id

    def _inverse_collector_id(self):
        # Setting the collector sets it explicitly (in the current company); write() allows it to managers only.
        for partner in self:
            partner.debt_collector_id = partner.collector_id

    def _search_collector_id(self, operator, value):
        if operator not in ("=", "!=", "in", "not in"):
            raise UserError(self.env._("The collector can only be searched by user."))
        if operator in ("!=", "not in"):
            positive = "=" if operator == "!=" else "in"
            return ["!", *self._search_collector_id(positive, value)]
        values = list(value) if operator == "in" else [value]
        users = [user for user in values if user]
        domains = []
        if users:  # the collector set in this company, else the salesperson
            domains.append(["|", ("debt_collector_id", "in", users),
                            "&", ("debt_collector_id", "=", False), ("user_id", "in", users)])
        if len(users) < len(values):  # "no collector": neither a collector nor a salesperson
            domains.append([("debt_collector_id", "=", False), ("user_id", "=", False)])
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    @api.depends_context("uid", "company")
    def _compute_debt_collection_notes(self):
        visible = self._debt_visible_commercial_ids()
        for partner in self:
            commercial = partner.commercial_partner_id
            # sudo: the raw text is for managers only; it is shown here to the customer's owners only
            partner.debt_collection_notes = (
                commercial.sudo().collection_notes if visible is None or commercial.id in visible else False)

    def _inverse_debt_collection_notes(self):
        # write() checked that the user owns these customers (or is a collection manager)
        for partner in self:
            # sudo: the raw field is manager-only; the owner right is checked in write()
            partner.commercial_partner_id.sudo().collection_notes = partner.debt_collection_notes

    @api.depends_context("uid", "company")
    def _compute_debt_note_count(self):
        counts = dict(self.env["debt.note"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.debt_note_count = counts.get(partner.commercial_partner_id, 0)

    @api.constrains("credit_days")
    def _check_credit_days(self):
        for partner in self:
            if partner.credit_days < 0:
                raise ValidationError(_("Credit days cannot be negative (customer %s).", partner.display_name))

    @api.constrains("credit_limit")
    def _check_debt_credit_limit(self):
        for partner in self.sudo():  # sudo: credit_limit is restricted to invoicing groups; this only reads it
            if partner.credit_limit < 0:
                raise ValidationError(_("The credit limit cannot be negative (customer %s).", partner.display_name))

    def _debt_figures_by_partner(self):
        """Figures of the current company for the commercial partners of ``self``, in one query."""
        commercial = self.commercial_partner_id
        if not commercial.ids:
            return {}
        self.env.flush_all()
        query = self.env["debt.worklist"]._debt_figures_sql(
            partner_ids=commercial.ids, company_ids=[self.env.company.id], open_items_only=False,
            with_promises=False)
        self.env.cr.execute(query)
        return {row["partner_id"]: row for row in self.env.cr.dictfetchall()}

    def _last_payment_dates(self):
        """Date of the last customer payment received, per commercial partner (current company)."""
        commercial = self.commercial_partner_id
        if not commercial.ids:
            return {}
        rows = self.env["account.move.line"].sudo()._read_group(  # sudo: dates only, shown to salespeople
            [
                ("partner_id.commercial_partner_id", "in", commercial.ids),
                ("company_id", "=", self.env.company.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("credit", ">", 0),
                ("move_id.move_type", "=", "entry"),
                "|", ("move_id.origin_payment_id", "!=", False), ("move_id.statement_line_id", "!=", False),
            ],
            ["partner_id"],
            ["date:max"],
        )
        dates = {}
        for partner, date in rows:
            key = partner.commercial_partner_id.id
            dates[key] = max(dates.get(key) or date, date)
        return dates

    @api.depends_context("company", "uid")
    def _compute_debt_figures(self):
        visible = self._debt_visible_commercial_ids()
        shown = self if visible is None else self.filtered(lambda p: p.commercial_partner_id.id in visible)
        figures = shown._debt_figures_by_partner()
        payments = shown._last_payment_dates()
        company = self.env.company
        for partner in self:
            key = partner.commercial_partner_id.id
            if partner not in shown:
                # a customer the user may not see: none of its figures (README, "Who sees what")
                partner.update(dict.fromkeys(
                    ("debt_currency_id", "debt_total_receivable", "debt_not_due_amount", "overdue_amount",
                     "overdue_invoice_count", "oldest_overdue_days", "debt_sale_to_invoice", "credit_exposure",
                     "debt_credit_limit", "credit_used_percent", "last_payment_date", "on_credit_hold",
                     "credit_hold_message"), False))
                continue
            row = figures.get(key) or {}
            partner.debt_currency_id = company.currency_id
            partner.debt_total_receivable = row.get("total_receivable", 0.0)
            partner.debt_not_due_amount = row.get("not_due_amount", 0.0)
            partner.overdue_amount = row.get("overdue_amount", 0.0)
            partner.overdue_invoice_count = row.get("overdue_invoice_count", 0)
            partner.oldest_overdue_days = row.get("oldest_overdue_days", 0)
            partner.debt_sale_to_invoice = row.get("sale_to_invoice", 0.0)
            partner.credit_exposure = row.get("credit_exposure", 0.0)
            # no row (no items, no orders to invoice): Odoo's limit all the same, none where limits are off
            partner.debt_credit_limit = row["credit_limit"] if row else credit_limit_value(
                partner.commercial_partner_id, company)
            partner.credit_used_percent = row.get("credit_used_percent", 0.0)
            partner.last_payment_date = payments.get(key)
            manual = partner.commercial_partner_id.sudo().debt_manual_hold
            partner.on_credit_hold = manual or bool(row.get("hold_by_limit")) or bool(row.get("hold_by_overdue"))
            partner.credit_hold_message = partner._debt_hold_message(row, manual)

    def _debt_hold_message(self, row, manual):
        self.ensure_one()
        currency = self.env.company.currency_id
        reasons = []
        if manual:
            reasons.append(_("placed on hold by a manager: %(reason)s",
                             reason=self.commercial_partner_id.sudo().debt_hold_reason or _("no reason given")))
        if row.get("hold_by_limit"):
            reasons.append(_(
                "credit exposure %(exposure)s exceeds the credit limit %(limit)s",
                exposure=currency.format(row["credit_exposure"]),
                limit=currency.format(row["credit_limit"]),
            ))
        if row.get("hold_by_overdue"):
            reasons.append(_(
                "the oldest unpaid item is %(days)s days overdue (the limit is %(max)s days)",
                days=row["oldest_overdue_days"],
                max=self.env.company.debt_hold_overdue_days,
            ))
        if not reasons:
            return False
        # a manager's reason may end with its own full stop: one full stop at the end, not ".."
        return _("%(customer)s is on credit hold: %(reasons)s.",
                 customer=self.commercial_partner_id.display_name, reasons="; ".join(reasons).rstrip(" .。"))

    # Actions
    def _debt_open_items_domain(self):
        self.ensure_one()
        return [
            ("partner_id", "child_of", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
            *open_items_domain(),
        ]

    def action_view_debt_open_items(self):
        """The customer's open receivable items; each row opens its invoice."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Open Items of %s", self.commercial_partner_id.display_name),
            "res_model": "account.move.line",
            "view_mode": "list",
            "views": [(self.env.ref("debt_collection.view_move_line_debt_open_items_list").id, "list")],
            "search_view_id": [self.env.ref("debt_collection.view_move_line_debt_open_items_search").id, "search"],
            "domain": self._debt_open_items_domain(),
            "context": {"search_default_debt_overdue": 1, "create": False, "edit": False},
        }

    def action_view_debt_notes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("debt_collection.action_debt_note")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_add_debt_note(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("New Collection Note"),
            "res_model": "debt.note",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id},
        }

    def _debt_open_hold_wizard(self, action):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Credit Hold"),
            "res_model": "debt.credit.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.commercial_partner_id.id, "default_action": action},
        }

    def action_debt_place_hold(self):
        return self._debt_open_hold_wizard("place")

    def action_debt_release_hold(self):
        return self._debt_open_hold_wizard("release")

    def _debt_set_manual_hold(self, hold, reason):
        """Place (``hold=True``) or release the manual credit hold, recording why in the chatter."""
        if not self.env.user.has_group("debt_collection.group_debt_collection_manager"):
            raise UserError(_("Only a collection manager can place or release a credit hold."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Please give a reason for placing or releasing the credit hold."))
        for partner in self.commercial_partner_id:
            if hold == partner.debt_manual_hold:
                raise UserError(
                    _("%s is already on manual credit hold.", partner.display_name) if hold
                    else _("%s is not on manual credit hold.", partner.display_name))
            # sudo: the fields are manager-only and read-only in views; the manager right is checked above.
            # mail_notrack: the note below says who changed it and why, in one message
            partner.sudo().with_context(mail_notrack=True).write({
                "debt_manual_hold": hold,
                "debt_hold_reason": reason if hold else False,
            })
            body = _("Credit hold placed by %(user)s: %(reason)s", user=self.env.user.name, reason=reason) if hold \
                else _("Credit hold released by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
            # sudo: a collection manager may lack write access to partners, which posting requires;
            # the author stays the current user.
            partner.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")

    # Payment reminders
    debt_reminder_ids = fields.One2many("debt.reminder", "partner_id", string="Payment Reminders", groups=USER_GROUP)
    debt_reminder_count = fields.Integer(
        compute="_compute_debt_reminder_count", string="Reminders", groups=USER_GROUP)
    debt_final_notice = fields.Boolean(
        string="Final Notice Sent", company_dependent=True, copy=False, readonly=True, groups=USER_GROUP,
        help="Set when a reminder rule marked as final notice went out to this customer.")

    @api.depends_context("uid", "company")
    def _compute_debt_reminder_count(self):
        counts = dict(self.env["debt.reminder"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids), ("company_id", "=", self.env.company.id)],
            ["partner_id"], ["__count"]))
        for partner in self:
            partner.debt_reminder_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_debt_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("debt_collection.action_debt_reminder")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_group_state": 0}
        return action

    def action_debt_send_reminder_now(self):
        """Send the customer's current payment reminder at once (same content and logging as the cron)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        partner.check_access("read")
        user = self.env.user
        if not user.has_group("debt_collection.group_debt_collection_manager") and (
                not user.has_group("debt_collection.group_debt_collection_user")
                or user not in (partner.user_id | partner.collector_id)):
            raise UserError(_(
                "Only the salesperson or the collector of %s, or a collection manager, can send it a payment "
                "reminder.", partner.display_name))
        # sudo: the reminder, its mail.mail / sms.sms and the activities are written by the engine on
        # behalf of a user who may read this customer (checked above) but not the company's rules.
        reminder = self.env["debt.reminder"].sudo()._debt_send_now(partner)
        return {
            "type": "ir.actions.act_window",
            "res_model": "debt.reminder",
            "res_id": reminder.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def action_debt_preview_reminders(self):
        """The reminder preview, for this customer only."""
        self.ensure_one()
        return self.env["debt.reminder.preview"].create({
            "partner_ids": [Command.set(self.commercial_partner_id.ids)],
        })._action_open()

    # ------------------------------------------------------------------ calls and promises to pay
    # per company (a call of one company flags the customer in that company)
    debt_attention = fields.Boolean(
        string="Needs Attention", readonly=True, copy=False, company_dependent=True, groups=USER_GROUP,
        help="Set by a call with outcome \"wrong number\" or \"disputed\"; cleared by the collector or a manager.")
    debt_attention_reason = fields.Selection(
        [("wrong_number", "Wrong number"), ("disputed", "Disputed")],
        string="Attention Reason", readonly=True, copy=False, company_dependent=True, groups=USER_GROUP)
    debt_call_ids = fields.One2many("debt.call", "partner_id", string="Collection Calls", groups=USER_GROUP)
    debt_call_count = fields.Integer(compute="_compute_debt_call_count", string="Calls", groups=USER_GROUP)
    debt_promise_ids = fields.One2many("debt.promise", "partner_id", string="Promises to Pay", groups=USER_GROUP)
    debt_promise_count = fields.Integer(compute="_compute_debt_call_count", string="Promises", groups=USER_GROUP)
    # Computed for the whole recordset in one query, current company, on the commercial partner
    debt_promise_currency_id = fields.Many2one(
        "res.currency", compute="_compute_debt_promise_figures", groups=USER_GROUP, string="Promise Currency")
    debt_promise_amount = fields.Monetary(
        compute="_compute_debt_promise_figures", groups=USER_GROUP, currency_field="debt_promise_currency_id",
        string="Open Promises",
        help="What remains to be paid of the customer's open promises to pay, in company currency.")
    debt_promise_date = fields.Date(
        compute="_compute_debt_promise_figures", groups=USER_GROUP, string="Next Promised Date",
        help="The next date by which the customer promised to pay (the next installment not yet paid).")
    debt_promise_kept_rate = fields.Float(
        compute="_compute_debt_promise_figures", groups=USER_GROUP, string="Promises Kept (%)",
        help="Promises kept out of the promises evaluated over the last 12 months.")
    debt_promise_evaluated_count = fields.Integer(
        compute="_compute_debt_promise_figures", groups=USER_GROUP, string="Promises Evaluated (12 Months)")
    debt_last_contact_date = fields.Datetime(
        compute="_compute_debt_promise_figures", groups=USER_GROUP, string="Last Contact")
    debt_last_contact_outcome = fields.Selection(
        OUTCOMES, compute="_compute_debt_promise_figures", groups=USER_GROUP, string="Last Contact Outcome")
    debt_promised = fields.Boolean(
        compute="_compute_debt_promise_figures", groups=USER_GROUP, string="Promised",
        help="The customer's open promises to pay cover its overdue amount: reminders hold off.")

    @api.depends_context("uid", "company")
    def _compute_debt_call_count(self):
        commercial = self.commercial_partner_id
        calls = dict(self.env["debt.call"]._read_group(
            [("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]))
        promises = dict(self.env["debt.promise"]._read_group(
            [("partner_id", "in", commercial.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.debt_call_count = calls.get(partner.commercial_partner_id, 0)
            partner.debt_promise_count = promises.get(partner.commercial_partner_id, 0)

    def _debt_promise_rows_sql(self, partner_ids, company):
        """One query: promise and contact figures per commercial partner, with "promised"."""
        Promise = self.env["debt.promise"]
        figures = self.env["debt.worklist"]._debt_figures_sql(
            partner_ids=partner_ids, company_ids=[company.id], open_items_only=True, with_promises=False,
            with_credit=False)  # the overdue amount only
        return SQL(
            """
            WITH pf AS MATERIALIZED (%(promise_figures)s),
                 f AS MATERIALIZED (%(figures)s)
            SELECT pf.*, %(promised)s AS promised
              FROM pf
         LEFT JOIN f ON f.partner_id = pf.partner_id AND f.company_id = pf.company_id
            """,
            promise_figures=Promise._debt_promise_figures_sql(partner_ids=partner_ids, company_ids=[company.id]),
            figures=figures,
            promised=Promise._debt_promised_sql("pf", SQL("f.overdue_amount")),
        )

    @api.model
    def _debt_promised_partner_ids(self, partner_ids, company):
        """The commercial partners among ``partner_ids`` whose open promises cover their overdue amount
        in ``company``, in one query."""
        partner_ids = list(partner_ids)
        if not partner_ids:
            return set()
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "SELECT partner_id FROM (%s) rows WHERE promised",
            self._debt_promise_rows_sql(partner_ids, company)))
        return {row[0] for row in self.env.cr.fetchall()}

    @api.depends_context("company", "uid")
    def _compute_debt_promise_figures(self):
        visible = self._debt_visible_commercial_ids()
        commercial = self.commercial_partner_id
        if visible is not None:
            # the customers the user may not see get none of their figures (README, "Who sees what")
            commercial = commercial.filtered(lambda p: p.id in visible)
        rows = {}
        if commercial.ids:
            self.env.flush_all()
            self.env.cr.execute(self._debt_promise_rows_sql(commercial.ids, self.env.company))
            rows = {row["partner_id"]: row for row in self.env.cr.dictfetchall()}
        currency = self.env.company.currency_id
        for partner in self:
            row = rows.get(partner.commercial_partner_id.id) or {}
            partner.debt_promise_currency_id = currency
            partner.debt_promise_amount = row.get("promise_amount", 0.0)
            partner.debt_promise_date = row.get("promise_date")
            partner.debt_promise_kept_rate = row.get("kept_rate", 0.0)
            partner.debt_promise_evaluated_count = row.get("evaluated_count", 0)
            partner.debt_last_contact_date = row.get("last_contact_date")
            partner.debt_last_contact_outcome = row.get("last_contact_outcome")
            partner.debt_promised = bool(row.get("promised"))

    def _debt_can_manage_collection(self):
        """Collection managers manage every customer; collection users their own (salesperson or collector)."""
        self.ensure_one()
        user = self.env.user
        if user.has_group("debt_collection.group_debt_collection_manager"):
            return True
        partner = self.commercial_partner_id
        return user.has_group("debt_collection.group_debt_collection_user") and user in (
            partner.user_id | partner.collector_id)

    def action_debt_clear_attention(self):
        for partner in self.commercial_partner_id:
            if not partner._debt_can_manage_collection():
                raise UserError(_(
                    "Only the salesperson, the collector of %(customer)s or a collection manager can clear "
                    "its attention flag.", customer=partner.display_name))
            if not partner.debt_attention:
                continue
            reason = dict(self._fields["debt_attention_reason"]._description_selection(self.env)).get(
                partner.debt_attention_reason, "")
            # sudo: the right to clear the flag is checked above; salespeople may not edit partners.
            partner.sudo().write({"debt_attention": False, "debt_attention_reason": False})
            partner.sudo().message_post(
                body=_("Attention flag (%(reason)s) cleared by %(user)s.", reason=reason, user=self.env.user.name),
                subtype_xmlid="mail.mt_note")
        return True

    def _debt_call_context(self):
        self.ensure_one()
        partner = self.commercial_partner_id
        contact = self if self != partner else partner.payment_contact_id
        return {"default_partner_id": partner.id, "default_contact_id": contact.id or False}

    def action_debt_log_call(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Log a Call"),
            "res_model": "debt.call",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": self._debt_call_context(),
        }

    def action_view_debt_calls(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("debt_collection.action_debt_call")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = self._debt_call_context()
        return action

    def action_view_debt_promises(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("debt_collection.action_debt_promise")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    # ------------------------------------------------------------------ balance confirmations
    debt_balance_confirmation_count = fields.Integer(
        compute="_compute_debt_balance_confirmation_count", string="Balance Confirmations", groups=USER_GROUP)

    @api.depends_context("uid", "company")
    def _compute_debt_balance_confirmation_count(self):
        # under the user's record rules: their own customers' confirmations, or all of them for managers
        counts = dict(self.env["debt.balance.confirmation"]._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.debt_balance_confirmation_count = counts.get(partner.commercial_partner_id, 0)

    def action_view_debt_balance_confirmations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("debt_collection.action_debt_balance_confirmation")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    # ------------------------------------------------------------------ escalation and late-payment charges
    # per company, collection managers only (groups=: read and written by them alone, server-side)
    debt_charge_exempt = fields.Boolean(
        string="No Late-Payment Charges", company_dependent=True, copy=False, tracking=True, groups=MANAGER_GROUP,
        help="Never propose late-payment charges to this customer (in this company).")
    debt_charge_rate = fields.Float(
        string="Own Late-Payment Rate (%)", company_dependent=True, copy=False, tracking=True, digits=(16, 4),
        groups=MANAGER_GROUP,
        help="This customer's annual interest rate on overdue amounts; 0: the company's.")

    @api.constrains("debt_charge_rate")
    def _check_debt_charge_rate(self):
        for partner in self.sudo():  # sudo: the field is manager-only; this only reads it
            if partner.debt_charge_rate < 0 or partner.debt_charge_rate > 100:
                raise ValidationError(_(
                    "The late-payment rate of %s must be between 0 and 100%%.", partner.display_name))

    def action_view_debt_escalations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("debt_collection.action_debt_escalation")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_debt_propose_late_charges(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Propose Late Charges"),
            "res_model": "debt.late.charge.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": [Command.set(self.commercial_partner_id.ids)]},
        }

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

MODEL = "debt.balance.confirmation"


class BalanceConfirmationPortal(CustomerPortal):
    """The customer's page of a balance confirmation, reached by the link of the e-mail (its access token), without
    an account: the balance and two answers, confirm or dispute (with their figure and a comment)."""

    def _debt_confirmation(self, confirmation_id, access_token):
        """The confirmation (sudo) when the token is its own, else None. The token is the only way in: the record
        rules give portal users and visitors no confirmation."""
        try:
            confirmation = self._document_check_access(MODEL, confirmation_id, access_token=access_token)
        except (AccessError, MissingError):
            return None
        # the page and its messages in the customer's language, whoever opens the link
        lang = confirmation.partner_id.lang
        if lang and request.env["res.lang"]._lang_get(lang):
            request.update_context(lang=lang)
        return confirmation.with_context(lang=request.env.context.get("lang"))

    def _debt_invalid_link(self):
        return request.render("debt_collection.portal_balance_confirmation_invalid", {}, status=403)

    def _debt_render(self, confirmation, access_token, error=None, values=None, status=200):
        qcontext = {
            "confirmation": confirmation,
            "access_token": access_token,
            "refusal": confirmation._debt_answer_refusal(),
            "error": error,
            "message": request.params.get("message"),
            "form": values or {},
        }
        return request.render("debt_collection.portal_balance_confirmation_page", qcontext, status=status)

    @http.route("/my/balance_confirmation/<int:confirmation_id>", type="http", auth="public", website=True)
    def portal_balance_confirmation(self, confirmation_id, access_token=None, report_type=None, download=False,
                                    **kwargs):
        confirmation = self._debt_confirmation(confirmation_id, access_token)
        if confirmation is None:
            return self._debt_invalid_link()
        if report_type in ("html", "pdf", "text"):
            return self._show_report(confirmation, report_type,
                                     "debt_collection.action_report_debt_balance_confirmation", download=download)
        return self._debt_render(confirmation, access_token)

    @http.route("/my/balance_confirmation/<int:confirmation_id>/answer", type="http", auth="public",
                methods=["POST"], website=True)
    def portal_balance_confirmation_answer(self, confirmation_id, access_token=None, answer=None, amount=None,
                                           comment=None, name=None, **kwargs):
        confirmation = self._debt_confirmation(confirmation_id, access_token)
        if confirmation is None:
            return self._debt_invalid_link()
        try:
            # all or nothing: a refused answer leaves nothing behind (no state, no message, no flag)
            with request.env.cr.savepoint():
                confirmation._debt_portal_answer(
                    answer, amount_text=amount, comment=comment, name=name, lang=request.env.context.get("lang"))
        except UserError as error:
            confirmation.invalidate_recordset()
            return self._debt_render(confirmation, access_token, error=error.args[0],
                                     values={"answer": answer, "amount": amount, "comment": comment, "name": name},
                                     status=400)
        message = "confirmed" if answer == "confirm" else "disputed"
        return request.redirect(confirmation.get_portal_url(query_string=f"&message={message}"))


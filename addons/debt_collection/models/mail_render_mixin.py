"""Compile-once renderers for the payment reminder job.

Odoo renders a template for a batch of records one record at a time, parsing and compiling it again for
each one: tens of milliseconds per e-mail for a QWeb body, about a millisecond per inline expression
(``safe_eval`` compiles and checks it on every call). The reminder job renders thousands of e-mails and
SMS per run, so it compiles each template once per language and batch and then renders record by record,
with the same variables, the same sandbox (``safe_eval``'s opcode check and builtins, QWeb's compiler) and
the same restrictions as :class:`mail.render.mixin`.
"""

import ast
import datetime

import babel.dates
from lxml import html

from odoo import _, models, tools
from odoo.exceptions import AccessError
from odoo.tools import float_round, safe_eval
from odoo.tools.rendering_tools import parse_inline_template

from odoo.addons.base.models.res_lang import intersperse


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    def _debt_render_variables(self):
        """The rendering context of :meth:`_render_eval_context`, with the same ``format_date`` and
        ``format_amount`` computed faster (see :meth:`_debt_date_formatter` and
        :meth:`_debt_amount_formatter`)."""
        variables = self._render_eval_context()
        variables["format_date"] = self._debt_date_formatter(variables["format_date"])
        variables["format_amount"] = self._debt_amount_formatter()
        return variables

    def _debt_date_formatter(self, format_date):
        """``format_date(date, date_format=False, lang_code=False)`` as the rendering context's
        ``format_date`` (:func:`odoo.tools.format_date`), with this environment's language, its babel
        locale and its date pattern resolved once instead of for every date, and each date formatted
        once. Other values (datetimes, strings, another language or format) go to ``format_date``."""
        lang = tools.get_lang(self.env)
        locale = tools.babel_locale_parse(lang.code)
        pattern = tools.posix_to_ldml(lang.date_format, locale=locale)
        dates = {}

        def format_date_fast(date, date_format=False, lang_code=False):
            if date_format or (lang_code and lang_code != lang.code) or type(date) is not datetime.date:
                return format_date(date, date_format=date_format, lang_code=lang_code)
            if date not in dates:
                dates[date] = babel.dates.format_date(date, format=pattern, locale=locale)
            return dates[date]

        return format_date_fast

    def _debt_amount_formatter(self):
        """``format_amount(amount, currency, lang_code=False)`` as :func:`odoo.tools.format_amount` in this
        environment's language, with the language's data and each currency's format read once, and the
        usual grouping by thousands done by Python's own formatting."""
        env = self.env
        lang = tools.get_lang(env)
        grouping = ast.literal_eval(lang.grouping)
        thousands_sep, decimal_point = lang.thousands_sep or "", lang.decimal_point
        currencies = {}

        if grouping == [3, 0]:
            def group(integer):  # intersperse(integer, [3, 0], thousands_sep)[0] for a "%.2f" integer part
                sign, digits = ("-", integer[1:]) if integer.startswith("-") else ("", integer)
                return sign + f"{int(digits):,}".replace(",", thousands_sep)
        else:
            def group(integer):
                return intersperse(integer, grouping, thousands_sep)[0]

        def format_amount(amount, currency, lang_code=False):
            if lang_code and lang_code != lang.code:
                return tools.format_amount(env, amount, currency, lang_code)
            spec = currencies.get(currency.id)
            if spec is None:
                symbol = currency.symbol or ""
                spec = currencies[currency.id] = (
                    f"%.{currency.decimal_places}f", currency.rounding,
                    f"{symbol}\N{NO-BREAK SPACE}" if currency.position == "before" else "",
                    "" if currency.position == "before" else f"\N{NO-BREAK SPACE}{symbol}")
            fmt, rounding, pre, post = spec
            integer, point, decimals = (fmt % float_round(amount, precision_rounding=rounding)).partition(".")
            formatted = (group(integer) + (decimal_point + decimals if point else "")) \
                .replace(" ", "\N{NO-BREAK SPACE}").replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}")
            return f"{pre}{formatted}{post}"

        return format_amount

    def _debt_replace_local_links(self, html, base_url=None):
        """:meth:`_replace_local_links`, skipped when it has nothing to replace: its patterns only match
        a local ``src="/``, ``href="/`` or ``background="/`` (all after ``="/``) or a ``url(`` in a style,
        and its four regular expressions cost more than the rendering of a reminder's body."""
        if not html or ('="/' not in html and "url(" not in html):
            return html
        return self._replace_local_links(html, base_url)

    def _debt_restricted(self):
        return not self._unrestricted_rendering and not self.env.is_admin() and \
            not self.env.user.has_group("mail.group_mail_template_editor")

    def _debt_qweb_renderer(self, source):
        """A function rendering the QWeb ``source`` for one record (``object``) at a time, compiled once,
        in this record's language (its context). Same as ``_render_template_qweb`` per record."""
        variables = self._debt_render_variables()
        qweb = self.env["ir.qweb"]
        if self._debt_restricted():
            qweb = qweb.with_context(raise_on_forbidden_code_for_model=self.render_model)
        qweb = qweb._prepare_environment(variables)
        safe_eval.check_values(variables)
        functions, name = qweb._compile(html.fragment_fromstring(source, create_parent="div"))
        render = functions[name]

        def renderer(record):
            # drop the <div> wrapping the template's nodes, as _render_template_qweb does
            return "".join(render(qweb, dict(variables, object=record)))[5:-6]

        return renderer

    def _debt_inline_renderer(self, source):
        """A function rendering the inline template ``source`` ("Dear {{ object.name }}") for one record
        at a time, each expression compiled and checked once. Same as ``_render_template_inline_template``
        per record: ``safe_eval``'s checks and builtins, ``expression or default``."""
        if self._debt_restricted() and self._has_unsafe_expression_template_inline_template(str(source),
                                                                                           self.render_model):
            raise AccessError(_(
                "Only members of %(group_name)s group are allowed to edit templates containing sensible "
                "placeholders", group_name=self.env.ref("mail.group_mail_template_editor").name))
        variables = self._debt_render_variables()
        safe_eval.check_values(variables)
        variables["__builtins__"] = safe_eval._BUILTINS
        parts = [
            (literal, safe_eval.test_expr(expression, safe_eval._SAFE_OPCODES, mode="eval") if expression else None,
             default, expression)
            for literal, expression, default in parse_inline_template(str(source or ""))
        ]

        def renderer(record):
            values = dict(variables, object=record)
            result = []
            for literal, code, default, expression in parts:
                result.append(literal)
                if code is not None:
                    try:
                        value = eval(code, values) or default  # noqa: S307 - code checked by safe_eval.test_expr
                    except Exception as error:
                        raise ValueError(f"{error!r} while evaluating\n{expression!r}") from error
                    if value:
                        result.append(str(value))
            return "".join(result)

        return renderer

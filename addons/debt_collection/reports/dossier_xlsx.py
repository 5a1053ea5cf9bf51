"""The dossier of an escalated customer as an XLSX file: one sheet per part (customer, open items, calls,
promises, reminders sent, notes), from the raw values of ``report.debt_collection.report_debt_dossier``.

Every text goes through ``xlsx_layout.safe_text`` and ``write_string`` (or ``xlsx_rows.text_cell``): a customer
named ``=HYPERLINK(...)`` is text, never a formula. Dates are Excel dates, amounts numbers with their currency's
format. The open items (5,000 of them on bench/dossier.py) are written as SpreadsheetML text spliced into the
finished file (``tools/xlsx_rows.py``, as the aging report's detail sheet): xlsxwriter spends tens of
microseconds per cell.
"""

import io
from datetime import date

import xlsxwriter

from odoo.tools.misc import get_lang

from ..tools import xlsx_layout as layout
from ..tools import xlsx_rows

EXCEL_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (dates after 1 March 1900)


class DossierXlsxWriter:
    def __init__(self, env, data):
        self.env = env
        self.data = data
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.buffer, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "remove_timezone": True,
        })
        self.formats = {}
        self.date_format = layout.date_format(get_lang(env).date_format)
        self.used_names = []

    def fmt(self, key, **properties):
        if key not in self.formats:
            self.formats[key] = self.workbook.add_format({"font_size": 10, **properties})
        return self.formats[key]

    def money(self, currency):
        return self.fmt(("money", currency.id), num_format=layout.number_format(
            currency.decimal_places, currency.symbol, currency.position))

    @staticmethod
    def xf(cell_format):
        """The style index of a format, for the cells written as XML text (the format is written into the file's
        styles as for a cell written by xlsxwriter)."""
        return cell_format._get_xf_index()

    def item_rows(self, items, currency):
        """The rows of the open items and their total, as XML text (row 0 is the header)."""
        date_style = self.xf(self.fmt("date", num_format=self.date_format))
        company_money = self.xf(self.money(currency))
        total_style = self.xf(self.fmt(("total", currency.id), bold=True, top=1,
                                       num_format=self.money(currency).num_format))
        bold = self.xf(self.fmt("bold", bold=True))
        text, number = xlsx_rows.text_cell, xlsx_rows.number_cell
        own_money = {}
        for row, item in enumerate(items, start=1):
            item_currency = item["currency_record"]
            if item_currency.id not in own_money:
                own_money[item_currency.id] = self.xf(self.money(item_currency))
            yield xlsx_rows.row_xml(row, [
                text(row, 0, item["name"]), text(row, 1, item["ref"]),
                number(row, 2, (item["invoice_date"] - EXCEL_EPOCH).days, date_style),
                number(row, 3, (item["due_date"] - EXCEL_EPOCH).days, date_style),
                number(row, 4, item["days"]), text(row, 5, item["currency"]),
                number(row, 6, item["amount_currency"], own_money[item_currency.id]),
                number(row, 7, item["residual"], company_money),
            ])
        row = len(items) + 1
        yield xlsx_rows.row_xml(row, [text(row, 0, self.env._("Total"), bold), number(row, 7, self.data["total"],
                                                                                      total_style)])

    def sheet(self, name, headers):
        sheet_name = layout.sheet_name(name, used=self.used_names)
        self.used_names.append(sheet_name)
        sheet = self.workbook.add_worksheet(sheet_name)
        header = self.fmt("header", bold=True, bottom=1, bg_color="#E9ECEF", text_wrap=True)
        for col, (text, width) in enumerate(headers):
            sheet.set_column(col, col, width)
            sheet.write_string(0, col, layout.safe_text(text), header)
        sheet.freeze_panes(1, 0)
        return sheet

    def cell(self, sheet, row, col, value, cell_format=None):
        """A value of the dossier: a date, a number (``cell_format`` its number format) or a text."""
        if value is None or value is False or value == "":
            sheet.write_blank(row, col, None, cell_format)
        elif hasattr(value, "year"):
            sheet.write_datetime(row, col, value, self.fmt("date", num_format=self.date_format))
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, cell_format)
        else:
            sheet.write_string(row, col, layout.safe_text(value), cell_format)

    def rows(self, sheet, records, keys, formats=None):
        formats = formats or {}
        for row, record in enumerate(records, start=1):
            for col, key in enumerate(keys):
                fmt = formats.get(key)
                self.cell(sheet, row, col, record[key], fmt(record) if callable(fmt) else fmt)

    def render(self):
        data = self.data
        _ = self.env._
        currency = data["currency"]
        bold = self.fmt("bold", bold=True)
        wrap = self.fmt("wrap", text_wrap=True, valign="top")

        sheet = self.sheet(_("Customer"), [("", 28), ("", 60)])
        customer = data["customer"]
        summary = [
            (_("Customer"), customer["name"]), (_("Address"), customer["address"]), (_("Tax ID"), customer["vat"]),
            (_("Reference"), customer["ref"]), (_("Phone"), customer["phone"]), (_("E-mail"), customer["email"]),
            (_("Salesperson"), customer["salesperson"]), (_("Collector"), customer["collector"]),
            (_("Company"), data["company"].name), (_("Stage"), data["stage"]),
            (_("Handed To"), data["case"].party_id.display_name), (_("Hand-over Date"), data["case"].date),
            (_("Reason"), data["case"].reason), (_("Open Amount"), data["total"]),
            (_("Overdue Amount"), data["overdue"]), (_("Collection Notes"), data["collection_notes"]),
        ]
        for row, (label, value) in enumerate(summary, start=1):
            sheet.write_string(row, 0, layout.safe_text(label), bold)
            self.cell(sheet, row, 1, value, self.money(currency) if isinstance(value, float) else wrap)

        sheet = self.sheet(_("Open Items"), [
            (_("Number"), 20), (_("Reference"), 16), (_("Invoice Date"), 12), (_("Due Date"), 12),
            (_("Days Overdue"), 10), (_("Currency"), 9), (_("Amount in Currency"), 16), (_("Open Amount"), 16)])
        items_sheet = (len(self.used_names) - 1, xlsx_rows.dimension_ref(len(data["items"]) + 1, 7))
        # built now: the styles of their cells are written into the file when the workbook is closed
        item_rows = list(self.item_rows(data["items"], currency))

        sheet = self.sheet(_("Calls"), [(_("Date"), 18), (_("By"), 18), (_("Channel"), 12), (_("Outcome"), 18),
                                        (_("Notes"), 60), (_("Next Step"), 40)])
        self.rows(sheet, data["calls"], ["date", "user", "channel", "outcome", "note", "next_step"],
                  {"note": wrap, "next_step": wrap})

        sheet = self.sheet(_("Promises"), [(_("Promise Date"), 12), (_("Promised Date"), 12), (_("Amount"), 16),
                                           (_("Currency"), 9), (_("State"), 14), (_("Notes"), 50)])
        self.rows(sheet, data["promises"], ["date", "promised_date", "amount", "currency", "state", "note"],
                  {"amount": lambda promise: self.money(promise["currency_record"]), "note": wrap})

        sheet = self.sheet(_("Reminders Sent"), [(_("Sent On"), 18), (_("Rule"), 24), (_("Channel"), 14),
                                                 (_("Amount Due"), 16), (_("State"), 12)])
        self.rows(sheet, data["reminders"], ["date", "rule", "channel", "amount", "state"],
                  {"amount": self.money(currency)})

        sheet = self.sheet(_("Notes"), [(_("Date"), 12), (_("Author"), 18), (_("Category"), 18), (_("Note"), 80)])
        self.rows(sheet, data["notes"], ["date", "author", "category", "note"], {"note": wrap})

        self.workbook.close()
        output = io.BytesIO()
        self.buffer.seek(0)
        xlsx_rows.splice(self.buffer, output, {
            xlsx_rows.worksheet_path(items_sheet[0]): (item_rows, items_sheet[1])})
        return output.getvalue()

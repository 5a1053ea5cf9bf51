/** @odoo-module **/
// Browser tours of the Collections screens, as the people who use them work (tests/test_tours.py
// creates the customer "Lotus Trading Tour" with a 950.00 invoice, 300.00 paid, 100 days overdue).

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";
import { localization } from "@web/core/l10n/localization";

const CUSTOMER = "Lotus Trading Tour";

function inDays(days) {
    // the date typed as a user would, in the user's date format
    const { DateTime } = luxon;
    return DateTime.now().plus({ days }).toFormat(localization.dateFormat);
}

function openMenu(rootXmlid, menuXmlid, itemXmlid) {
    return [
        ...stepUtils.goToAppSteps(rootXmlid, "Open the Collections app"),
        {
            content: "open the menu",
            trigger: `.o-dropdown[data-menu-xmlid="${menuXmlid}"]`,
            run: "click",
        },
        {
            content: "open the entry",
            trigger: `.o-dropdown-item[data-menu-xmlid="${itemXmlid}"]`,
            run: "click",
        },
    ];
}

function headersReadWhole(listSelector, column) {
    // every column header of the list reads whole (not cut to "Oldest O…") and the list needs no
    // horizontal scrolling, at the tour's window width (tests/test_tours.py: 1366x768)
    return {
        content: "every column header reads whole, the list fits the window",
        trigger: `${listSelector} .o_list_table thead th[data-name="${column}"]`,
        run() {
            const cut = [...document.querySelectorAll(`${listSelector} .o_list_table thead th[data-name]`)]
                .filter((th) => {
                    const label = th.querySelector(".text-truncate");
                    return label && label.scrollWidth > label.clientWidth;
                })
                .map((th) => th.textContent.trim());
            if (cut.length) {
                throw new Error(`Column headers cut at ${window.innerWidth} px: ${cut.join(", ")}`);
            }
            const list = document.querySelector(`${listSelector} .o_list_renderer`);
            if (list.scrollWidth > list.clientWidth) {
                throw new Error(`The list is ${list.scrollWidth} px wide in ${list.clientWidth} px`);
            }
        },
    };
}

// On the customer's form (opened by the test): its Collections tab.
function openCustomerCollectionsTab() {
    return [
        {
            content: "the customer's form is open",
            trigger: `.o_form_view .o_last_breadcrumb_item:contains(${CUSTOMER})`,
        },
        {
            content: "open the Collections tab",
            trigger: '.o_notebook a.nav-link[name="debt_collection"]',
            run: "click",
        },
    ];
}

// A salesperson opens the customer, reads the Collections tab and logs a call with a promise.
registry.category("web_tour.tours").add("debt_collection_salesperson_tour", {
    steps: () => [
        ...openCustomerCollectionsTab(),
        {
            content: "the overdue amount is the open balance after the partial payment",
            trigger: '.o_field_widget[name="overdue_amount"]:contains(650.00)',
        },
        {
            content: "the oldest item is 100 days overdue",
            trigger: '.o_field_widget[name="oldest_overdue_days"]:contains(100)',
        },
        {
            content: "log a call",
            trigger: 'button[name="action_debt_log_call"]',
            run: "click",
        },
        {
            content: "the customer promised to pay",
            trigger: '.modal .o_field_widget[name="outcome"] select',
            run: "selectByLabel Promised to pay",
        },
        {
            content: "the promise is prefilled with what is still open, in its currency",
            trigger: '.modal .o_field_widget[name="promise_ids"] .o_data_row td[name="amount"]:contains(650.00)',
        },
        headersReadWhole('.modal .o_field_widget[name="promise_ids"]', "promised_date"),
        {
            content: "open the promise",
            trigger: '.modal .o_field_widget[name="promise_ids"] .o_data_row td[name="amount"]:contains(650.00)',
            run: "click",
        },
        {
            content: "give the promised date",
            trigger: '.modal .o_field_widget[name="promised_date"] input',
            run: `edit ${inDays(7)}`,
        },
        {
            content: "the promise dialog keeps the amount",
            trigger: '.modal .o_field_widget[name="amount"] input:value(650.00)',
        },
        {
            content: "save the promise",
            trigger: ".modal:has(.o_field_widget[name=promised_date]) .modal-footer .o_form_button_save",
            run: "click",
        },
        {
            content: "the promise has its date",
            trigger: '.modal .o_field_widget[name="promise_ids"] .o_data_row td[name="promised_date"]:not(:empty)',
        },
        {
            content: "save the call",
            trigger: ".modal .modal-footer .o_form_button_save",
            run: "click",
        },
        {
            content: "the customer's promise figures show the promise",
            trigger: 'body:not(:has(.modal)) .o_field_widget[name="debt_promise_amount"]:contains(650.00)',
        },
    ],
});

// A collector works the worklist: logs a call from the row, then opens the customer with a click on the row.
registry.category("web_tour.tours").add("debt_collection_collector_tour", {
    steps: () => [
        // the app opens on its first menu, Customers to Collect
        ...stepUtils.goToAppSteps("debt_collection.menu_debt_collection_root", "Open the Collections app"),
        {
            content: "the customer's row shows its full name and overdue days",
            trigger: `.o_data_row:has(td[name="partner_id"]:contains(${CUSTOMER})) td[name="oldest_overdue_days"]:contains(100)`,
        },
        headersReadWhole(".o_debt_wrap_headers", "oldest_overdue_days"),
        {
            content: "log a call from the row",
            trigger: `.o_data_row:has(td[name="partner_id"]:contains(${CUSTOMER})) button[name="action_log_call"]`,
            run: "click",
        },
        {
            content: "nobody answered",
            trigger: '.modal .o_field_widget[name="outcome"] select',
            run: "selectByLabel No answer",
        },
        {
            content: "save the call",
            trigger: ".modal .modal-footer .o_form_button_save",
            run: "click",
        },
        {
            content: "the row shows the last contact",
            trigger: `body:not(:has(.modal)) .o_data_row:has(td[name="partner_id"]:contains(${CUSTOMER})) td[name="last_contact_outcome"]:contains(No answer)`,
        },
        {
            content: "a click on the row opens the customer",
            trigger: `.o_data_row td[name="partner_id"]:contains(${CUSTOMER})`,
            run: "click",
        },
        {
            content: "the customer's form is open",
            trigger: `.o_form_view .o_last_breadcrumb_item:contains(${CUSTOMER})`,
        },
    ],
});

function openCellItems() {
    return [
        {
            content: "open the customer's cell",
            trigger: `.o_pivot tr:has(th:contains(${CUSTOMER})) td.o_pivot_cell_value.cursor-pointer:contains(650.00)`,
            run: "click",
        },
        {
            content: "open the customer's items of that column",
            trigger: `.o_list_view .o_data_row td[name="partner_id"]:contains(${CUSTOMER})`,
            run: "click",
        },
    ];
}

// An accountant runs the aging report and goes from a pivot cell down to the invoice.
registry.category("web_tour.tours").add("debt_collection_accountant_tour", {
    steps: () => [
        ...openMenu(
            "debt_collection.menu_debt_collection_root",
            "debt_collection.menu_debt_reporting",
            "debt_collection.menu_debt_aging"
        ),
        {
            // the file itself is checked by tests/test_tours.py: the route was served to the browser
            content: "download the report as an Excel file",
            trigger: '.modal button[name="action_export_xlsx"]',
            run: "click",
        },
        {
            content: "view the report",
            trigger: '.modal button[name="action_view_report"]',
            run: "click",
        },
        ...openCellItems(),
        {
            content: "the browser's Back button",
            trigger: `.o_list_view .o_data_row td[name="days_overdue"]:contains(100)`,
            run() {
                history.back();
            },
        },
        {
            content: "Back returns to the report's pivot, with its figures",
            trigger: `.o_pivot tr:has(th:contains(${CUSTOMER})) td.o_pivot_cell_value:contains(650.00)`,
        },
        {
            content: "the report's title in the breadcrumb",
            trigger: ".o_last_breadcrumb_item:contains(Aging as of)",
        },
        ...openCellItems(),
        {
            content: "the item is 100 days overdue, as on the customer's form",
            trigger: '.o_list_view .o_data_row td[name="days_overdue"]:contains(100)',
            run: "click",
        },
        {
            content: "the invoice is open",
            trigger: '.o_form_view .o_field_widget[name="amount_residual"]:contains(650.00), .o_form_view:has(.o_field_widget[name="invoice_line_ids"])',
        },
    ],
});

// A collection manager previews the next run of the reminders and refreshes it.
registry.category("web_tour.tours").add("debt_collection_manager_tour", {
    steps: () => [
        ...openMenu(
            "debt_collection.menu_debt_collection_root",
            "debt_collection.menu_debt_reminders_root",
            "debt_collection.menu_debt_reminder_preview"
        ),
        {
            content: "the preview has a title, not a record reference",
            trigger: ".o_last_breadcrumb_item:contains(Next Run of the Reminders)",
        },
        {
            content: "no New button on a report",
            trigger: ".o_form_view:not(:has(.o_form_button_create))",
        },
        {
            content: "the customer is in the preview",
            trigger: `.o_field_widget[name="line_ids"] .o_data_row:contains(${CUSTOMER})`,
        },
        {
            content: "refresh",
            trigger: 'button[name="action_compute"]',
            run: "click",
        },
        {
            content: "still one screen: no breadcrumb piled up",
            trigger: `.o_field_widget[name="line_ids"] .o_data_row:contains(${CUSTOMER})`,
            run() {
                const items = document.querySelectorAll(".o_breadcrumb .breadcrumb-item");
                if (items.length) {
                    throw new Error(`The refresh piled up ${items.length} breadcrumb(s)`);
                }
            },
        },
    ],
});

// A collection manager previews the customer's next reminder from the customer's Collections tab.
registry.category("web_tour.tours").add("debt_collection_customer_preview_tour", {
    steps: () => [
        ...openCustomerCollectionsTab(),
        {
            content: "preview the customer's reminder",
            trigger: 'button[name="action_debt_preview_reminders"]',
            run: "click",
        },
        {
            content: "the preview shows the customer's reminder at once, without a Refresh",
            trigger: `.o_last_breadcrumb_item:contains(Next Run of the Reminders)`,
        },
        {
            content: "the customer's line is there",
            trigger: `.o_field_widget[name="line_ids"] .o_data_row:contains(${CUSTOMER})`,
        },
    ],
});

// The worklist's column headers in the user's language (Vietnamese has the longest labels).
registry.category("web_tour.tours").add("debt_collection_worklist_headers_tour", {
    steps: () => [
        ...stepUtils.goToAppSteps("debt_collection.menu_debt_collection_root", "Open the Collections app"),
        {
            content: "the customer's row is shown",
            trigger: `.o_data_row td[name="partner_id"]:contains(${CUSTOMER})`,
        },
        headersReadWhole(".o_debt_wrap_headers", "oldest_overdue_days"),
    ],
});

// A collection manager opens the Collections dashboard in Odoo's Dashboards app: its pivots and its chart load.
registry.category("web_tour.tours").add("debt_collection_dashboard_tour", {
    steps: () => [
        {
            content: "open the Collections dashboard",
            trigger: '.o_search_panel_category_value[data-name="Collections"]',
            run: "click",
        },
        {
            content: "the Collections dashboard is the one shown",
            trigger: '.o_search_panel_category_value.active[data-name="Collections"]',
        },
        {
            content: "the spreadsheet is drawn with its aging-trend chart",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet .o-figure canvas",
        },
    ],
});

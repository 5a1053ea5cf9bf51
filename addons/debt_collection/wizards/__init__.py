from . import debt_credit_hold_wizard
from . import debt_reminder_preview
from . import debt_call_summary
from . import debt_aging_report
from . import debt_aging_report_bucket
from . import debt_aging_report_line
from . import debt_aging_report_item
from . import debt_statement_wizard

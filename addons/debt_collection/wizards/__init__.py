from . import debt_credit_hold_wizard
from . import debt_reminder_preview
from . import debt_call_summary

from . import test_debt_figures
from . import test_credit_hold
from . import test_security
from . import test_worklist
from . import test_aging
from . import test_reminder_schedule
from . import test_reminders

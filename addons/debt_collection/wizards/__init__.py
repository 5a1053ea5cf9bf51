from . import debt_credit_hold_wizard

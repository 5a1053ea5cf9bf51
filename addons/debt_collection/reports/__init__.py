from . import aging_report
from . import debt_statement

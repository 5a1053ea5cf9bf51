from . import aging_report
from . import debt_dossier
from . import debt_statement

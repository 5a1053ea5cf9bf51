from . import res_company
from . import res_config_settings
from . import res_partner
from . import debt_note
from . import debt_worklist
from . import sale_order
from . import debt_aging_profile
from . import debt_aging_report

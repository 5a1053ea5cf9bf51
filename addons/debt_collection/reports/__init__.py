from . import aging_report

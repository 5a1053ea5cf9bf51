def pre_init_hook(env):
    """Nothing to fill in SQL at install time any more.

    Up to 18.0.1.0.0 ``res_partner.collector_id`` was a stored computed column (a copy of the salesperson)
    that this hook filled in SQL so that installing on a large database stayed fast. Since 18.0.2.0.0 the
    collector is the one a collection manager sets per company (``debt_collector_id``, a company-dependent
    jsonb column, empty at install) else the current salesperson, computed on the fly: there is no column
    to fill. Upgrades from 18.0.1.0.0: ``migrations/18.0.2.0.0/pre-migrate.py``.
    """

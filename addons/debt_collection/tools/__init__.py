"""Pure Python helpers of the add-on: they never import odoo and are unit-tested outside Odoo."""

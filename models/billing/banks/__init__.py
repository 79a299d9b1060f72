"""One module per bank: its nosso número, check digits and free field (a `Bank` subclass
registered with models.billing.boleto_banks.register)."""

"""A real bank account and beneficiary, as production must be given them (BOLETO_*)."""

# Bradesco's published example (brcobranca bradesco_spec.rb): agência 4042, conta 0061900.
PRODUCTION_BOLETO = {
    "BOLETO_BANK": "237",
    "BOLETO_AGENCY": "4042",
    "BOLETO_ACCOUNT": "0061900",
    "BOLETO_WALLET": "09",
    "BOLETO_BENEFICIARY": "Rede Ipê Telecom Ltda",
    "BOLETO_BENEFICIARY_DOCUMENT": "12.345.678/0001-95",
    "BOLETO_BENEFICIARY_ADDRESS": "Rua da Aurora, 325, sala 4, Boa Vista, Recife - PE, 50050-000",
}
# The same beneficiary on Banco do Brasil, whose boletos also need the convênio.
PRODUCTION_BOLETO_BB = {
    **PRODUCTION_BOLETO,
    "BOLETO_BANK": "001",
    "BOLETO_ACCOUNT": "61900",
    "BOLETO_AGREEMENT": "1238798",
    "BOLETO_WALLET": "18",
}

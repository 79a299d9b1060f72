"""What Anatel's monthly access report (Coleta de Dados de Acessos, SCM) says of each access:
its medium, technology and product, and whether it is urban or rural.

The codes are the layout's own (ASCII, as the CSV writes them) and are what the database keeps;
the labels are what staff read. Where they come from: docs/OPERATIONS.md, "Anatel: relatório
mensal de acessos". Anatel's curadoria may add technologies: a new one is a line here.
"""

# Tipo de Meio de Acesso (Despacho Decisório nº 16/2020/SUE).
MEDIA = {
    "fibra": "Fibra óptica",
    "cabo_coaxial": "Cabo coaxial",
    "cabo_metalico": "Cabo metálico (par de cobre)",
    "radio": "Rádio",
    "satelite": "Satélite",
}
# Tecnologia (the link layer, as Anatel's published access data names it).
TECHNOLOGIES = {
    "FTTH": "FTTH (fibra até a casa)",
    "FTTB": "FTTB (fibra até o prédio)",
    "HFC": "HFC (híbrido fibra-coaxial)",
    "Cable Modem": "Cable modem",
    "xDSL": "xDSL",
    "ETHERNET": "Ethernet",
    "FWA": "FWA (acesso fixo sem fio)",
    "Wi-Fi": "Wi-Fi",
    "WiMAX": "WiMAX",
    "LTE": "LTE (4G)",
    "5G NR": "5G NR",
    "VSAT": "VSAT",
    "PLC": "PLC (rede elétrica)",
}
# Tipo do Produto.
PRODUCTS = {
    "internet": "Internet (banda larga fixa)",
    "linha_dedicada": "Linha dedicada",
    "m2m": "M2M",
    "outros": "Outros",
}
# Tipo de Atendimento: where the access is (a subscription's; urban unless staff say rural).
URBAN, RURAL = "urbano", "rural"
AREAS = {URBAN: "Urbano", RURAL: "Rural"}
# Tipo de Cliente: the customer's kind (UP, "uso próprio", is the ISP's own use: not sold here).
CLIENT_KINDS = ("PF", "PJ")
# "Código da oferta": letters, digits and . _ - / (what bills and contracts print).
OFFER_CODE_MAX_LENGTH = 30
OFFER_CODE_SHAPE = rf"[A-Za-z0-9][A-Za-z0-9._/-]{{0,{OFFER_CODE_MAX_LENGTH - 1}}}"


def offer_lines(offer_code: str | None) -> tuple[str, ...]:
    """What a bill or invoice prints of its plan's offer code (nothing when it has none)."""
    return (f"Código da oferta: {offer_code}",) if offer_code else ()

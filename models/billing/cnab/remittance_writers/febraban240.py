"""FEBRABAN's CNAB 240 cobrança remessa, what the banks share (registers no writer).

One file = header de arquivo, one lote (header de lote, segments P, Q and R for each boleto,
trailer de lote), trailer de arquivo. Positions as FEBRABAN's "Layout Padrão CNAB 240" numbers
them (1-based, inclusive), and as brcobranca writes them (lib/brcobranca/remessa/cnab240/base.rb,
commit 325e0ee). A bank's module (`<bank>_240.py`) declares only where it differs: `record(name,
BASE, [fields])` puts its fields in place of the base fields they cover, and gives `lines` the
values only it knows.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from models.billing.cnab.layout import Field, Record, blank, zeros
from models.billing.cnab.remittance import RemittanceFile, RemittanceItem

LENGTH = 240

# Header de arquivo (registro 0): FEBRABAN G001..G020; base.rb monta_header_arquivo.
FILE_HEADER = (
    Field("bank", 1, 3, "9"),
    zeros(4, 7),  # lote de serviço 0000
    zeros(8, 8),  # tipo de registro 0
    blank(9, 17),
    Field("company_kind", 18, 18, "9"),  # 1 CPF, 2 CNPJ
    Field("company_document", 19, 32, "9"),
    Field("agreement", 33, 52, "X"),  # código do convênio no banco
    Field("agency", 53, 57, "9"),
    Field("agency_dv", 58, 58, "X"),
    Field("account", 59, 70, "9"),
    Field("account_dv", 71, 71, "X"),
    Field("agency_account_dv", 72, 72, "X"),
    Field("company_name", 73, 102, "X"),
    Field("bank_name", 103, 132, "X"),
    blank(133, 142),
    Field("", 143, 143, "9", value="1"),  # código remessa
    Field("created_on", 144, 151, "D8"),
    Field("created_time", 152, 157, "9"),  # HHMMSS
    Field("sequence", 158, 163, "9"),  # NSA
    Field("layout_version", 164, 166, "9"),
    Field("density", 167, 171, "9"),
    Field("bank_reserved", 172, 191, "X"),
    Field("company_reserved", 192, 211, "X"),
    blank(212, 240),
)

# Header de lote (registro 1): base.rb monta_header_lote.
LOT_HEADER = (
    Field("bank", 1, 3, "9"),
    Field("lot", 4, 7, "9"),
    Field("", 8, 8, "9", value="1"),
    Field("", 9, 9, "X", value="R"),  # operação: remessa
    Field("", 10, 11, "9", value="01"),  # serviço: cobrança
    blank(12, 13),
    Field("layout_version", 14, 16, "9"),
    blank(17, 17),
    Field("company_kind", 18, 18, "9"),
    Field("company_document", 19, 33, "9"),
    Field("agreement", 34, 53, "X"),
    Field("agency", 54, 58, "9"),
    Field("agency_dv", 59, 59, "X"),
    Field("account", 60, 71, "9"),
    Field("account_dv", 72, 72, "X"),
    Field("agency_account_dv", 73, 73, "X"),
    Field("company_name", 74, 103, "X"),
    Field("message_1", 104, 143, "X"),
    Field("message_2", 144, 183, "X"),
    Field("sequence", 184, 191, "9"),  # número remessa/retorno
    Field("recorded_on", 192, 199, "D8"),
    Field("credit_on", 200, 207, "D8"),
    blank(208, 240),
)

# Segmento P (registro 3): the boleto; base.rb monta_segmento_p.
SEGMENT_P = (
    Field("bank", 1, 3, "9"),
    Field("lot", 4, 7, "9"),
    Field("", 8, 8, "9", value="3"),
    Field("record_number", 9, 13, "9"),
    Field("", 14, 14, "X", value="P"),
    blank(15, 15),
    Field("movement", 16, 17, "9"),  # código de movimento remessa
    Field("agency", 18, 22, "9"),
    Field("agency_dv", 23, 23, "X"),
    Field("account", 24, 35, "9"),
    Field("account_dv", 36, 36, "X"),
    blank(37, 37),  # dígito agência/conta
    Field("nosso_numero", 38, 57, "X"),
    Field("wallet_code", 58, 58, "X"),  # código da carteira
    Field("registration", 59, 59, "X"),  # forma de cadastramento
    Field("document_type", 60, 60, "X"),
    Field("issuer", 61, 61, "X"),  # emissão do boleto
    Field("delivery", 62, 62, "X"),  # distribuição do boleto
    Field("document_number", 63, 77, "9"),  # número do documento (seu número)
    Field("due_date", 78, 85, "D8"),
    Field("amount", 86, 100, "V"),
    zeros(101, 105),  # agência encarregada da cobrança
    blank(106, 106),  # seu dígito
    Field("species", 107, 108, "9"),  # espécie do título
    Field("", 109, 109, "X", value="N"),  # aceite: não aceito
    Field("issue_date", 110, 117, "D8"),
    Field("interest_code", 118, 118, "9"),
    Field("interest_date", 119, 126, "D8"),
    Field("interest", 127, 141, "V"),  # juros de mora por dia
    Field("discount_code", 142, 142, "9"),
    Field("discount_date", 143, 150, "D8"),
    Field("discount", 151, 165, "V"),
    zeros(166, 180),  # valor do IOF
    zeros(181, 195),  # valor do abatimento
    Field("company_reference", 196, 220, "X", align="right"),  # identificação na empresa
    Field("protest_code", 221, 221, "9"),
    Field("protest_days", 222, 223, "9"),
    Field("write_off_code", 224, 224, "X"),  # código para baixa/devolução
    Field("write_off_days", 225, 227, "X"),
    Field("", 228, 229, "9", value="09"),  # moeda: real
    zeros(230, 239),  # número do contrato
    blank(240, 240),
)

# Segmento Q (registro 3): the payer; base.rb monta_segmento_q. No sacador/avalista.
SEGMENT_Q = (
    Field("bank", 1, 3, "9"),
    Field("lot", 4, 7, "9"),
    Field("", 8, 8, "9", value="3"),
    Field("record_number", 9, 13, "9"),
    Field("", 14, 14, "X", value="Q"),
    blank(15, 15),
    Field("movement", 16, 17, "9"),
    Field("payer_kind", 18, 18, "9"),
    Field("payer_document", 19, 33, "9"),
    Field("payer_name", 34, 73, "X"),
    Field("payer_address", 74, 113, "X"),
    Field("payer_district", 114, 128, "X"),
    Field("payer_cep", 129, 136, "9"),  # CEP (5) + sufixo (3)
    Field("payer_city", 137, 151, "X"),
    Field("payer_state", 152, 153, "X"),
    zeros(154, 154),  # tipo de inscrição do sacador/avalista: none
    zeros(155, 169),
    blank(170, 209),  # nome do sacador/avalista
    zeros(210, 212),  # banco correspondente
    blank(213, 232),  # nosso número no banco correspondente
    blank(233, 240),
)

# Segmento R (registro 3): discounts 2 and 3, multa, messages; base.rb monta_segmento_r and
# complemento_r.
SEGMENT_R = (
    Field("bank", 1, 3, "9"),
    Field("lot", 4, 7, "9"),
    Field("", 8, 8, "9", value="3"),
    Field("record_number", 9, 13, "9"),
    Field("", 14, 14, "X", value="R"),
    blank(15, 15),
    Field("movement", 16, 17, "9"),
    zeros(18, 41),  # desconto 2: código, data, valor
    zeros(42, 65),  # desconto 3
    Field("fine_code", 66, 66, "9"),
    Field("fine_date", 67, 74, "D8"),
    Field("fine", 75, 89, "V"),  # percentual de multa
    blank(90, 99),  # informação ao pagador
    blank(100, 139),  # mensagem 3
    blank(140, 179),  # mensagem 4
    blank(180, 199),
    zeros(200, 207),  # código de ocorrência do pagador
    zeros(208, 215),  # banco e agência para débito
    blank(216, 216),
    zeros(217, 228),  # conta para débito
    blank(229, 230),
    zeros(231, 231),  # aviso de débito automático
    blank(232, 240),
)

# Trailer de lote (registro 5): base.rb monta_trailer_lote; the totals as FEBRABAN's
# cobrança simples / vinculada / caucionada / descontada.
LOT_TRAILER = (
    Field("bank", 1, 3, "9"),
    Field("lot", 4, 7, "9"),
    Field("", 8, 8, "9", value="5"),
    blank(9, 17),
    Field("lot_records", 18, 23, "9"),
    Field("simple_count", 24, 29, "9"),
    Field("simple_total", 30, 46, "V"),
    zeros(47, 115),  # vinculada, caucionada, descontada
    blank(116, 240),
)

# Trailer de arquivo (registro 9): base.rb monta_trailer_arquivo.
FILE_TRAILER = (
    Field("bank", 1, 3, "9"),
    Field("", 4, 7, "9", value="9999"),
    Field("", 8, 8, "9", value="9"),
    blank(9, 17),
    Field("lots", 18, 23, "9"),
    Field("file_records", 24, 29, "9"),
    blank(30, 240),
)


def record(name: str, base: Sequence[Field], changes: Sequence[Field] = ()) -> Record:
    """`base` with `changes` in place of every base field they touch; Record then checks that
    the changes cover what they removed (a gap or an overlap fails at import)."""
    kept = [f for f in base if not any(f.start <= c.end and f.end >= c.start for c in changes)]
    return Record(name, LENGTH, sorted([*kept, *changes], key=lambda f: f.start))


@dataclass(frozen=True)
class Layout240:
    """A bank's records; `segments` in the order they follow each other for each boleto."""

    file_header: Record
    lot_header: Record
    segments: tuple[Record, ...]
    lot_trailer: Record
    file_trailer: Record


def person_kind(document: str) -> str:
    """FEBRABAN's tipo de inscrição: 1 CPF (11 digits), 2 CNPJ."""
    return "1" if len(document) <= 11 else "2"


def common_values(remittance: RemittanceFile) -> dict[str, object]:
    """What every record of the file says about the beneficiary and the file."""
    beneficiary = remittance.beneficiary
    return {
        "bank": beneficiary.bank,
        "lot": 1,
        "company_kind": person_kind(beneficiary.document),
        "company_document": beneficiary.document,
        "company_name": beneficiary.name,
        "agency": beneficiary.agency,
        "agency_dv": beneficiary.agency_dv,
        "account": beneficiary.account,
        "account_dv": beneficiary.account_dv,
        "created_on": remittance.created_at,
        "created_time": remittance.created_at.strftime("%H%M%S"),
        "recorded_on": remittance.created_at,
        "sequence": remittance.sequence,
    }


def item_values(
    item: RemittanceItem,
    movement: str,
    *,
    no_interest_code: str = "3",
    interest_delay: int = 0,
    fine_delay: int = 0,
) -> dict[str, object]:
    """What segments P, Q and R say of one boleto, in FEBRABAN's codes: juros "1" (valor por
    dia) or the bank's isento code, multa "2" (percentual) or "0", desconto "1" (valor fixo até
    a data) or "0", protesto "1" (dias corridos) or "3" (não protestar). Juros run from the
    due date plus `interest_delay` days, multa from the due date plus `fine_delay`."""
    payer = item.payer
    charges_interest = (
        item.interest_per_day > 0 if item.charges_interest is None else item.charges_interest
    )
    charges_fine = item.fine_percent > 0 if item.charges_fine is None else item.charges_fine
    return {
        "movement": movement,
        "document_number": item.document_number,
        "company_reference": item.document_number,
        "due_date": item.due_date,
        "amount": item.amount,
        "issue_date": item.issue_date,
        "interest_code": "1" if charges_interest else no_interest_code,
        "interest_date": item.due_date + timedelta(days=interest_delay)
        if charges_interest
        else None,
        "interest": item.interest_per_day if charges_interest else Decimal(0),
        "discount_code": "1" if item.discount_amount > 0 else "0",
        "discount_date": item.discount_date if item.discount_amount > 0 else None,
        "discount": item.discount_amount,
        "protest_code": "3" if item.protest_days is None else "1",
        "protest_days": item.protest_days or 0,
        "payer_kind": person_kind(payer.document),
        "payer_document": payer.document,
        "payer_name": payer.name,
        "payer_address": payer.address,
        "payer_district": payer.district,
        "payer_cep": payer.cep,
        "payer_city": payer.city,
        "payer_state": payer.state,
        "fine_code": "2" if charges_fine else "0",
        "fine_date": item.due_date + timedelta(days=fine_delay) if charges_fine else None,
        "fine": item.fine_percent if charges_fine else Decimal(0),
    }


def _render(record_: Record, common: Mapping[str, object], extra: Mapping[str, object]) -> str:
    """The shared values the record has (a bank's record may drop some), then the bank's own
    (all of them its record's: a name it lacks is an error)."""
    values = {k: v for k, v in common.items() if k in record_.names}
    values.update(extra)
    return record_.render(values)


def lines(
    remittance: RemittanceFile,
    layout: Layout240,
    movements: Mapping[str, str],
    extra: Callable[[RemittanceFile, RemittanceItem | None], Mapping[str, Mapping]],
    **item_options,
) -> list[str]:
    """The file's lines: one lote with every item's segments, counted as FEBRABAN asks (records
    in the lote with its header and trailer; records in the file with all four). `movements`
    maps our occurrences to the bank's códigos de movimento; `extra(remittance, item)` gives the
    bank's own values by record name (item None for the headers and trailers)."""
    common = common_values(remittance)
    file_extra = extra(remittance, None)
    out = [
        _render(layout.file_header, common, file_extra.get(layout.file_header.name, {})),
        _render(layout.lot_header, common, file_extra.get(layout.lot_header.name, {})),
    ]
    number = 0
    for item in remittance.items:
        values = {**common, **item_values(item, movements[item.occurrence], **item_options)}
        item_extra = extra(remittance, item)
        for segment in layout.segments:
            number += 1
            values["record_number"] = number
            out.append(_render(segment, values, item_extra.get(segment.name, {})))
    totals = {
        **common,
        "lot_records": number + 2,
        "simple_count": len(remittance.items),
        "simple_total": sum((i.amount for i in remittance.items), Decimal(0)),
        "lots": 1,
        "file_records": number + 4,
    }
    out.append(_render(layout.lot_trailer, totals, file_extra.get(layout.lot_trailer.name, {})))
    out.append(_render(layout.file_trailer, totals, file_extra.get(layout.file_trailer.name, {})))
    return out

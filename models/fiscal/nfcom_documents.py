"""An NFCom 1.00 (modelo 62) from plain invoice data: `build_xml(data)`, unsigned, ready for
`models.fiscal.signing` and `models.fiscal.schemas`.

The XML is built with nfelib's bindings of the official schema (nfelib.nfcom.bindings.v1_0,
package PL_NFCOM_1.00_NT2026.002 RTC 1.01) and serialized by xsdata. Every amount the invoice
carries is computed here from the lines (never taken from the caller), as SEFAZ checks them
(MOC NFCom 1.00a, Anexo I):
- G86: an item's vProd = vItem x qFaturada - vDesc + vOutro;
- G136: the total vProd is the sum of the items'; G137: vNF = vProd - the federal retentions
  (none here);
- a tax's value is its base times its rate, rounded half up to the cent;
- the IBS/CBS totals (NT 2025.001) only when some line carries the group, and then vTotDFe =
  vNF + IBS + CBS, as the schema documents it.
Money is Decimal throughout and written in the schema's TDec formats; a figure with more
decimals than its type writes is refused, never rounded on the way out.

The rule for the issuing step (the caller of build_xml): the signed XML, its access key and
issued_at are stored in the same transaction that takes the invoice's number, and every retry
(after a timeout, a dropped answer, a killed worker, SEFAZ down) sends those stored bytes, never a
document built again: data changed since (an address, a rate, the clock) makes another document
under the same key, which SEFAZ refuses, and a 204 for it is a SefazDivergence (sefaz_client
keeps a 204 only when SEFAZ's digest is the one of the bytes sent).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import TypeVar

from nfelib.nfcom.bindings.v1_0.dfe_tipos_basicos_v1_00 import Tcibs, Tibscbstot, TtribNfcom
from nfelib.nfcom.bindings.v1_0.nfcom_tipos_basico_v1_00 import (
    CofinsCst,
    Icms00Cst,
    Icms20Cst,
    Icms40Cst,
    Icms51Cst,
    Icms90Cst,
    IcmssnCst,
    IcmssnIndSn,
    PisCst,
    Tassinante,
    Tcrt,
    TendeDest,
    TendeEmi,
    TfatNfcom,
    TfinNfcom,
    TindIedest,
    TrespTec,
    TtpEmis,
    TumedItem,
    Tutilizacao,
)
from nfelib.nfcom.bindings.v1_0.nfcom_v1_00 import Nfcom
from nfelib.nfcom.bindings.v1_0.tipos_geral_nfcom_v1_00 import Tamb, TcodUfIbge, TmodNfcom
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig

from models.fiscal import access_keys

NAMESPACE = "http://www.portalfiscal.inf.br/nfcom"
LAYOUT_VERSION = "1.00"
# The consultation address for every UF, both environments told apart by tpAmb: nfelib's sample
# NFCom writes it so; the MOC's example (Visão Geral 9.2.1) is http://.../NFCom/QRCode, and
# G142 compares it ignoring case.
QR_CODE_URL = "https://dfe-portal.svrs.rs.gov.br/NFCom/qrcode"
CENT = Decimal("0.01")
ZERO = Decimal(0)

E = TypeVar("E", bound=Enum)


class Regime(Enum):
    """CRT: the issuer's tax regime."""

    SIMPLES_NACIONAL = 1
    SIMPLES_NACIONAL_EXCESSO = 2  # over the sublimit of gross revenue
    NORMAL = 3


class Unit(Enum):
    """uMed: the unit a line is billed in."""

    MINUTE = 1
    MB = 2
    GB = 3
    UNIT = 4


@dataclass(frozen=True)
class Address:
    street: str
    number: str
    district: str
    city_code: str  # IBGE, 7 digits; its first two are the UF's IBGE code
    city: str
    cep: str  # 8 digits
    uf: str
    complement: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Issuer:
    cnpj: str
    ie: str
    regime: Regime
    name: str
    address: Address
    # The secret the cNF of each key is derived from (access_keys.numeric_code): never printed.
    key_secret: bytes = field(repr=False)
    trade_name: str | None = None


@dataclass(frozen=True)
class Customer:
    name: str
    address: Address
    cpf: str | None = None
    cnpj: str | None = None
    # The state registration: None for a non-contributor, "ISENTO" for an exempt contributor.
    ie: str | None = None


@dataclass(frozen=True)
class Subscriber:
    """The assinante block: who uses the service under which contract."""

    code: str  # iCodAssinante: the ISP's own id of the subscriber
    # tpAssinante: 1 comercial, 2 industrial, 3 residencial/pessoa física, 4 produtor rural, ...
    kind: int
    service: int = 4  # tpServUtil: 4 = provimento de acesso à Internet
    contract: str | None = None
    contract_start: date | None = None
    contract_end: date | None = None


@dataclass(frozen=True)
class Icms:
    """The line's ICMS group, by its CST.

    "00" taxed in full (rate on the whole amount), "20" with a reduced base (`base_reduction`
    percent off), "40" exempt, "41" not taxed, "51" deferred, "90" others (rate optional),
    "SN" the Simples Nacional group (ICMSSN: CST 90, indSN 1).
    """

    cst: str
    rate: Decimal | None = None
    base_reduction: Decimal | None = None


@dataclass(frozen=True)
class Contribution:
    """PIS or COFINS: CST and rate (percent) on the line's amount."""

    cst: str
    rate: Decimal


@dataclass(frozen=True)
class IbsCbs:
    """The IBS/CBS group of NT 2025.001 (RTC): CST, cClassTrib and the three rates (percent).

    Without rates the group carries only CST and cClassTrib (gIBSCBS is optional in the schema),
    for a classification that is not taxed.
    """

    cst: str
    classification: str  # cClassTrib, 6 digits
    ibs_uf_rate: Decimal | None = None
    ibs_mun_rate: Decimal | None = None
    cbs_rate: Decimal | None = None


@dataclass(frozen=True)
class Line:
    code: str  # cProd
    description: str
    classification: str  # cClass, 7 digits (the NFCom's table of items)
    quantity: Decimal
    unit_price: Decimal
    icms: Icms
    unit: Unit = Unit.UNIT
    discount: Decimal = ZERO
    other: Decimal = ZERO  # vOutro: other charges
    cfop: str | None = None
    pis: Contribution | None = None
    cofins: Contribution | None = None
    fust_rate: Decimal | None = None
    funttel_rate: Decimal | None = None
    ibs_cbs: IbsCbs | None = None


@dataclass(frozen=True)
class Bill:
    """The fatura the NFCom belongs to (gFat)."""

    competence: str  # CompetFat, AAAAMM
    due_date: date
    barcode: str  # codBarras: the boleto's linha digitável, digits only
    period_start: date | None = None
    period_end: date | None = None
    pix_code: str | None = None  # the PIX QR (copia e cola) printed on the bill


@dataclass(frozen=True)
class Contingency:
    since: datetime
    reason: str  # 15 to 256 characters


@dataclass(frozen=True)
class TechnicalContact:
    """gRespTec: who answers for the issuing software."""

    cnpj: str
    name: str
    email: str
    phone: str


@dataclass(frozen=True)
class NFComData:
    issuer: Issuer
    customer: Customer
    subscriber: Subscriber
    lines: tuple[Line, ...]
    bill: Bill | None  # None: a bill paid otherwise than by boleto (gFat is optional)
    environment: int  # tpAmb: 1 produção, 2 homologação
    series: int
    number: int
    issued_at: datetime  # dhEmi, timezone-aware
    contingency: Contingency | None = None
    additional_info: tuple[str, ...] = ()
    technical_contact: TechnicalContact | None = None
    software_version: str = "Provedor 1.0"  # verProc
    # The QR Code's consultation address: SEFAZ compares it with the one SVRS publishes (G142,
    # rejection 464), so settings can follow a change there without a release.
    qr_code_base: str = QR_CODE_URL


class IncompleteInvoice(ValueError):
    """The data cannot make an NFCom; the message says why, in Portuguese, for finance."""


def access_key(data: NFComData) -> access_keys.AccessKey:
    """The invoice's key: the same data (issue date included) always gives the same key."""
    issuer = data.issuer
    return access_keys.AccessKey(
        uf_code=issuer.address.city_code[:2],
        year_month=data.issued_at.strftime("%y%m"),
        cnpj=issuer.cnpj,
        series=data.series,
        number=data.number,
        emission_type=2 if data.contingency else 1,
        site=0,
        code=access_keys.numeric_code(issuer.key_secret, issuer.cnpj, data.series, data.number),
    )


def qr_code_url(
    key: str, environment: int, signature: str | None = None, base: str = QR_CODE_URL
) -> str:
    """infNFComSupl/qrCodNFCom: the consultation URL with the key and the environment.

    In contingency (tpEmis 2) it also carries `sign`, the base64 RSA-SHA1 signature of the key
    by the issuer's certificate (MOC Visão Geral 9.2.2; G144/G145: required then, refused
    otherwise). The URL is the element's text, so the XML serializer escapes the "&".
    """
    url = f"{base}?chNFCom={key}&tpAmb={environment}"
    return f"{url}&sign={signature}" if signature else url


def build_xml(data: NFComData, qr_signature: str | None = None) -> bytes:
    """The unsigned NFCom as UTF-8 bytes. `qr_signature` (signing.sign_access_key) is required
    for an invoice issued in contingency and refused otherwise."""
    if not data.lines:
        raise IncompleteInvoice("A NFCom precisa de pelo menos um item.")
    if data.issued_at.utcoffset() is None:
        raise IncompleteInvoice("A data de emissão precisa do fuso horário.")
    if (data.contingency is None) != (qr_signature is None):
        raise IncompleteInvoice("O QR Code leva a assinatura da chave em contingência, e só nela.")
    key = access_key(data)
    items = [_item(number, line) for number, line in enumerate(data.lines, start=1)]
    document = Nfcom(
        infNFCom=Nfcom.InfNfcom(
            ide=_ide(data, key),
            emit=_issuer(data.issuer),
            dest=_customer(data.customer),
            assinante=_subscriber(data.subscriber),
            det=[item.det for item in items],
            total=_total(items),
            gFat=_bill(data.bill) if data.bill else None,
            infAdic=(
                Nfcom.InfNfcom.InfAdic(infCpl=list(data.additional_info))
                if data.additional_info
                else None
            ),
            gRespTec=_technical_contact(data.technical_contact),
            versao=LAYOUT_VERSION,
            Id=f"NFCom{key}",
        ),
        infNFComSupl=Nfcom.InfNfcomSupl(
            qrCodNFCom=qr_code_url(str(key), data.environment, qr_signature, data.qr_code_base)
        ),
    )
    return _SERIALIZER.render(document, ns_map={None: NAMESPACE}).encode()


_SERIALIZER = XmlSerializer(config=SerializerConfig(xml_declaration=True, encoding="UTF-8"))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _cents(value: Decimal) -> str:
    """TDec_1302: 2 decimals."""
    return f"{_money(value):.2f}"


def _optional_cents(value: Decimal) -> str | None:
    """The MOC's rule for optional fields: no tag when zero (TDec_1302Opc refuses 0)."""
    return _cents(value) if value else None


def _rate(value: Decimal) -> str:
    """TDec_0302a04: 2 to 4 decimals."""
    text = f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):.4f}"
    return text[:-2] if text.endswith("00") else text


def _rate_2(value: Decimal) -> str:
    """TDec_0302 (pICMS, pRedBC): exactly 2 decimals."""
    return f"{_money(value):.2f}"


def _decimals(value: Decimal, least: int, most: int) -> str:
    """A quantity or unit price: `least` to `most` decimals, trailing zeros trimmed."""
    text = f"{value.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP):.{most}f}"
    whole, fraction = text.split(".")
    fraction = fraction.rstrip("0").ljust(least, "0")
    return f"{whole}.{fraction}"


def _tax(base: Decimal, rate: Decimal) -> Decimal:
    return _money(base * rate / 100)


def _enum(kind: type[E], value: object) -> E:
    try:
        return kind(str(value))
    except ValueError:
        raise IncompleteInvoice(f"Valor não previsto no leiaute da NFCom: {value}") from None


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _timestamp(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _ide(data: NFComData, key: access_keys.AccessKey) -> Nfcom.InfNfcom.Ide:
    contingency = data.contingency
    return Nfcom.InfNfcom.Ide(
        cUF=_enum(TcodUfIbge, key.uf_code),
        tpAmb=_enum(Tamb, data.environment),
        mod=TmodNfcom.VALUE_62,
        serie=str(data.series),
        nNF=str(data.number),
        cNF=key.code,
        cDV=str(key.digit),
        dhEmi=_timestamp(data.issued_at),
        tpEmis=_enum(TtpEmis, key.emission_type),
        nSiteAutoriz=str(key.site),
        cMunFG=data.issuer.address.city_code,
        finNFCom=TfinNfcom.VALUE_0,
        tpFat=TfatNfcom.VALUE_0,
        verProc=data.software_version,
        dhCont=_timestamp(contingency.since) if contingency else None,
        xJust=contingency.reason if contingency else None,
    )


def _address(kind: type[TendeEmi] | type[TendeDest], address: Address):
    return kind(
        xLgr=address.street,
        nro=address.number,
        xCpl=address.complement or None,
        xBairro=address.district,
        cMun=address.city_code,
        xMun=address.city,
        CEP=address.cep,
        UF=address.uf,
        fone=address.phone or None,
        email=address.email or None,
    )


def _issuer(issuer: Issuer) -> Nfcom.InfNfcom.Emit:
    return Nfcom.InfNfcom.Emit(
        CNPJ=issuer.cnpj,
        IE=issuer.ie,
        CRT=_enum(Tcrt, issuer.regime.value),
        xNome=issuer.name,
        xFant=issuer.trade_name or None,
        enderEmit=_address(TendeEmi, issuer.address),
    )


def _customer(customer: Customer) -> Nfcom.InfNfcom.Dest:
    if bool(customer.cpf) == bool(customer.cnpj):
        raise IncompleteInvoice("O destinatário precisa de CPF ou de CNPJ (um dos dois).")
    if customer.ie is None:
        indicator = TindIedest.VALUE_9  # not a contributor of ICMS
    elif customer.ie == "ISENTO":
        indicator = TindIedest.VALUE_2
    else:
        indicator = TindIedest.VALUE_1
    return Nfcom.InfNfcom.Dest(
        xNome=customer.name,
        CPF=customer.cpf or None,
        CNPJ=customer.cnpj or None,
        indIEDest=indicator,
        IE=customer.ie,
        enderDest=_address(TendeDest, customer.address),
    )


def _subscriber(subscriber: Subscriber) -> Nfcom.InfNfcom.Assinante:
    return Nfcom.InfNfcom.Assinante(
        iCodAssinante=subscriber.code,
        tpAssinante=_enum(Tassinante, subscriber.kind),
        tpServUtil=_enum(Tutilizacao, subscriber.service),
        nContrato=subscriber.contract,
        dContratoIni=_date(subscriber.contract_start),
        dContratoFim=_date(subscriber.contract_end),
    )


@dataclass
class _Item:
    """A det and the figures the totals add up."""

    det: Nfcom.InfNfcom.Det
    amount: Decimal
    discount: Decimal
    other: Decimal
    icms_base: Decimal = ZERO
    icms: Decimal = ZERO
    pis: Decimal = ZERO
    cofins: Decimal = ZERO
    fust: Decimal = ZERO
    funttel: Decimal = ZERO
    has_ibs_cbs: bool = False
    ibs_cbs_base: Decimal = ZERO
    ibs_uf: Decimal = ZERO
    ibs_mun: Decimal = ZERO
    cbs: Decimal = ZERO


Imposto = Nfcom.InfNfcom.Det.Imposto


def _places(value: Decimal) -> int:
    exponent = Decimal(value).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _check_places(number: int, line: Line) -> None:
    """Every figure within the decimals its schema type writes (nfcomTiposBasico_v1.00.xsd):
    a value rounded when written would not be the one the amounts and taxes were computed with,
    and SEFAZ recomputes them from what is written."""
    figures = [
        ("a quantidade", line.quantity, 4),  # qFaturada: TDec_1100_1104
        ("o valor unitário", line.unit_price, 8),  # vItem: TDec_1302_1308
        ("o desconto", line.discount, 2),
        ("outras despesas", line.other, 2),
        ("a alíquota do ICMS", line.icms.rate, 2),  # pICMS: TDec_0302
        ("a redução da base do ICMS", line.icms.base_reduction, 2),  # pRedBC: TDec_0302Opc
        ("a alíquota do PIS", line.pis and line.pis.rate, 4),  # TDec_0302a04
        ("a alíquota da COFINS", line.cofins and line.cofins.rate, 4),
        ("a alíquota do FUST", line.fust_rate, 4),
        ("a alíquota do FUNTTEL", line.funttel_rate, 4),
    ]
    if line.ibs_cbs:  # TDec_0302_04RTC
        figures += [
            ("a alíquota do IBS estadual", line.ibs_cbs.ibs_uf_rate, 4),
            ("a alíquota do IBS municipal", line.ibs_cbs.ibs_mun_rate, 4),
            ("a alíquota da CBS", line.ibs_cbs.cbs_rate, 4),
        ]
    for what, value, most in figures:
        if value is not None and _places(value) > most:
            raise IncompleteInvoice(
                f"No item {number} ({line.description}), {what} ({value}) tem mais de {most} "
                "casas decimais, mais do que a NFCom aceita: corrija o cadastro."
            )


def _item(number: int, line: Line) -> _Item:
    _check_places(number, line)
    amount = _money(line.quantity * line.unit_price - line.discount + line.other)
    if amount <= 0:
        raise IncompleteInvoice(f"O item {number} ({line.description}) não tem valor positivo.")
    item = _Item(det=None, amount=amount, discount=_money(line.discount), other=_money(line.other))
    imposto = Imposto()
    _icms(imposto, line.icms, item)
    if line.pis:
        item.pis = _tax(amount, line.pis.rate)
        imposto.PIS = Imposto.Pis(
            CST=_enum(PisCst, line.pis.cst),
            vBC=_cents(amount),
            pPIS=_rate(line.pis.rate),
            vPIS=_cents(item.pis),
        )
    if line.cofins:
        item.cofins = _tax(amount, line.cofins.rate)
        imposto.COFINS = Imposto.Cofins(
            CST=_enum(CofinsCst, line.cofins.cst),
            vBC=_cents(amount),
            pCOFINS=_rate(line.cofins.rate),
            vCOFINS=_cents(item.cofins),
        )
    if line.fust_rate is not None:
        item.fust = _tax(amount, line.fust_rate)
        imposto.FUST = Imposto.Fust(
            vBC=_cents(amount), pFUST=_rate(line.fust_rate), vFUST=_cents(item.fust)
        )
    if line.funttel_rate is not None:
        item.funttel = _tax(amount, line.funttel_rate)
        imposto.FUNTTEL = Imposto.Funttel(
            vBC=_cents(amount), pFUNTTEL=_rate(line.funttel_rate), vFUNTTEL=_cents(item.funttel)
        )
    if line.ibs_cbs:
        imposto.IBSCBS = _ibs_cbs(line.ibs_cbs, amount, item)
    item.det = Nfcom.InfNfcom.Det(
        prod=Nfcom.InfNfcom.Det.Prod(
            cProd=line.code,
            xProd=line.description,
            cClass=line.classification,
            CFOP=line.cfop,
            uMed=_enum(TumedItem, line.unit.value),
            qFaturada=_decimals(line.quantity, 2, 4),
            vItem=_decimals(line.unit_price, 2, 8),
            vDesc=_optional_cents(line.discount),
            vOutro=_optional_cents(line.other),
            vProd=_cents(amount),
        ),
        imposto=imposto,
        nItem=str(number),
    )
    return item


def _icms(imposto: Imposto, icms: Icms, item: _Item) -> None:
    amount = item.amount
    if icms.cst == "SN":
        imposto.ICMSSN = Imposto.Icmssn(CST=IcmssnCst.VALUE_90, indSN=IcmssnIndSn.VALUE_1)
        return
    if icms.cst in ("40", "41"):
        imposto.ICMS40 = Imposto.Icms40(CST=_enum(Icms40Cst, icms.cst))
        return
    if icms.cst == "51":
        imposto.ICMS51 = Imposto.Icms51(CST=Icms51Cst.VALUE_51)
        return
    if icms.cst == "90" and icms.rate is None:
        imposto.ICMS90 = Imposto.Icms90(CST=Icms90Cst.VALUE_90)
        return
    if icms.cst not in ("00", "20", "90"):
        raise IncompleteInvoice(f"CST de ICMS não previsto na NFCom: {icms.cst}")
    if icms.rate is None:
        raise IncompleteInvoice(f"O ICMS de CST {icms.cst} precisa da alíquota.")
    if icms.cst == "20":
        if not icms.base_reduction:
            raise IncompleteInvoice("O ICMS de CST 20 precisa do percentual de redução da base.")
        item.icms_base = _money(amount * (100 - icms.base_reduction) / 100)
    else:
        item.icms_base = amount
    item.icms = _tax(item.icms_base, icms.rate)
    figures = {
        "vBC": _cents(item.icms_base),
        "pICMS": _rate_2(icms.rate),
        "vICMS": _cents(item.icms),
    }
    if icms.cst == "00":
        imposto.ICMS00 = Imposto.Icms00(CST=Icms00Cst.VALUE_00, **figures)
    elif icms.cst == "20":
        imposto.ICMS20 = Imposto.Icms20(
            CST=Icms20Cst.VALUE_20, pRedBC=_rate_2(icms.base_reduction), **figures
        )
    else:
        imposto.ICMS90 = Imposto.Icms90(CST=Icms90Cst.VALUE_90, **figures)


def _ibs_cbs(group: IbsCbs, amount: Decimal, item: _Item) -> TtribNfcom:
    item.has_ibs_cbs = True
    rates = (group.ibs_uf_rate, group.ibs_mun_rate, group.cbs_rate)
    if all(rate is None for rate in rates):
        return TtribNfcom(CST=group.cst, cClassTrib=group.classification)
    if any(rate is None for rate in rates):
        raise IncompleteInvoice(
            f"O IBS/CBS de cClassTrib {group.classification} precisa das três alíquotas "
            "(IBS estadual, IBS municipal e CBS)."
        )
    # The base is the operation's value without the ICMS, PIS and COFINS it carries: LC 214/2025
    # art. 12 § 2 (not in the IBS/CBS base) and the DF-e formula of NF-e NT 2025.002-RTC UB16
    # (vProd + vOutro - vDesc - vPIS - vCOFINS - vICMS - ...; its rule of "implementação futura"),
    # as read in secondary sources; nfelib's XSD says only "Valor do BC" and the NFCom's
    # NT 2025.001 text itself was not at hand. FUST/FUNTTEL are not among the exclusions.
    base = amount - item.icms - item.pis - item.cofins
    item.ibs_cbs_base = base
    item.ibs_uf = _tax(base, group.ibs_uf_rate)
    item.ibs_mun = _tax(base, group.ibs_mun_rate)
    item.cbs = _tax(base, group.cbs_rate)
    return TtribNfcom(
        CST=group.cst,
        cClassTrib=group.classification,
        gIBSCBS=Tcibs(
            vBC=_cents(base),
            gIBSUF=Tcibs.GIbsuf(pIBSUF=_rate(group.ibs_uf_rate), vIBSUF=_cents(item.ibs_uf)),
            gIBSMun=Tcibs.GIbsmun(pIBSMun=_rate(group.ibs_mun_rate), vIBSMun=_cents(item.ibs_mun)),
            vIBS=_cents(item.ibs_uf + item.ibs_mun),
            gCBS=Tcibs.GCbs(pCBS=_rate(group.cbs_rate), vCBS=_cents(item.cbs)),
        ),
    )


def _total(items: list[_Item]) -> Nfcom.InfNfcom.Total:
    def total(name: str) -> Decimal:
        return sum((getattr(item, name) for item in items), ZERO)

    amount = total("amount")
    ibs_cbs_tot = None
    grand_total = None
    if any(item.has_ibs_cbs for item in items):
        ibs_uf, ibs_mun, cbs = total("ibs_uf"), total("ibs_mun"), total("cbs")
        ibs_cbs_tot = Tibscbstot(
            vBCIBSCBS=_cents(total("ibs_cbs_base")),
            gIBS=Tibscbstot.GIbs(
                gIBSUF=Tibscbstot.GIbs.GIbsuf(vDif="0.00", vDevTrib="0.00", vIBSUF=_cents(ibs_uf)),
                gIBSMun=Tibscbstot.GIbs.GIbsmun(
                    vDif="0.00", vDevTrib="0.00", vIBSMun=_cents(ibs_mun)
                ),
                vIBS=_cents(ibs_uf + ibs_mun),
            ),
            gCBS=Tibscbstot.GCbs(vDif="0.00", vDevTrib="0.00", vCBS=_cents(cbs)),
        )
        grand_total = _cents(amount + ibs_uf + ibs_mun + cbs)
    return Nfcom.InfNfcom.Total(
        vProd=_cents(amount),
        ICMSTot=Nfcom.InfNfcom.Total.Icmstot(
            vBC=_cents(total("icms_base")),
            vICMS=_cents(total("icms")),
            vICMSDeson="0.00",
            vFCP="0.00",
        ),
        vCOFINS=_cents(total("cofins")),
        vPIS=_cents(total("pis")),
        vFUNTTEL=_cents(total("funttel")),
        vFUST=_cents(total("fust")),
        vRetTribTot=Nfcom.InfNfcom.Total.VRetTribTot(
            vRetPIS="0.00", vRetCofins="0.00", vRetCSLL="0.00", vIRRF="0.00"
        ),
        vDesc=_cents(total("discount")),
        vOutro=_cents(total("other")),
        vNF=_cents(amount),  # no federal retentions withheld (retTrib) on these bills
        IBSCBSTot=ibs_cbs_tot,
        vTotDFe=grand_total,
    )


def _bill(bill: Bill) -> Nfcom.InfNfcom.GFat:
    return Nfcom.InfNfcom.GFat(
        CompetFat=bill.competence,
        dVencFat=bill.due_date.isoformat(),
        dPerUsoIni=_date(bill.period_start),
        dPerUsoFim=_date(bill.period_end),
        codBarras=bill.barcode,
        gPIX=Nfcom.InfNfcom.GFat.GPix(urlQRCodePIX=bill.pix_code) if bill.pix_code else None,
    )


def _technical_contact(contact: TechnicalContact | None) -> TrespTec | None:
    if contact is None:
        return None
    return TrespTec(
        CNPJ=contact.cnpj, xContato=contact.name, email=contact.email, fone=contact.phone
    )

"""Invoice data -> NFCom XML -> signature -> the official XSD and Debian's xmlsec1.

Every document here is checked against nfelib's copy of the official schema
(PL_NFCOM_1.00_NT2026.002 RTC 1.01) and its signature verified by xmlsec1, which knows nothing
of our code. The expected amounts are worked out by hand in the comments (MOC NFCom 1.00a,
Anexo I: G86 item value, G136/G137 totals; taxes rounded half up to the cent).
"""

import base64
import dataclasses
from datetime import datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from models.fiscal import schemas
from models.fiscal.access_keys import parse
from models.fiscal.nfcom_documents import (
    Contingency,
    Contribution,
    Customer,
    IbsCbs,
    Icms,
    IncompleteInvoice,
    Regime,
    access_key,
    build_xml,
)
from models.fiscal.signing import sign, sign_access_key
from tests.fiscal_samples import (
    BRASILIA,
    company_invoice,
    issuer,
    person_invoice,
    taxed_line,
    xmlsec1_verify,
)

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

NS = {"n": "http://www.portalfiscal.inf.br/nfcom"}


def text(document: etree._Element, path: str) -> str | None:
    return document.findtext(path, namespaces=NS)


def signed(data, certificate, **build) -> bytes:
    return sign(build_xml(data, **build), certificate)


def assert_valid_and_verified(xml: bytes, a1) -> None:
    assert schemas.validate(xml) == []
    result = xmlsec1_verify(xml, a1)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stderr


def test_an_itemized_bill_of_a_person_is_signed_valid_and_adds_up(a1, certificate):
    data = person_invoice(number=1234)
    xml = signed(data, certificate)

    assert_valid_and_verified(xml, a1)
    document = etree.fromstring(xml)
    key = str(access_key(data))
    assert document.find("n:infNFCom", NS).get("Id") == f"NFCom{key}"
    assert text(document, "n:infNFCom/n:ide/n:cDV") == key[-1]
    assert text(document, "n:infNFCom/n:dest/n:CPF") == "11144477735"
    assert text(document, "n:infNFCom/n:dest/n:indIEDest") == "9"  # not an ICMS contributor
    items = document.findall("n:infNFCom/n:det", NS)
    assert [item.get("nItem") for item in items] == ["1", "2", "3"]
    # 15.00 - 5.00 discount; 3 x 7.333 = 21.999
    assert [text(item, "n:prod/n:vProd") for item in items] == ["99.90", "10.00", "22.00"]
    assert text(items[1], "n:prod/n:vDesc") == "5.00"
    assert text(items[2], "n:prod/n:qFaturada") == "3.00"
    assert text(items[2], "n:prod/n:vItem") == "7.333"
    total = document.find("n:infNFCom/n:total", NS)
    assert {element: text(total, path) for element, path in TOTALS.items()} == {
        "vProd": "131.90",
        "vBC": "131.90",
        "vICMS": "22.42",  # 17%: 16.98 + 1.70 + 3.74
        "vPIS": "0.86",  # 0.65%: 0.65 + 0.07 (0.065) + 0.14
        "vCOFINS": "3.96",  # 3%: 3.00 + 0.30 + 0.66
        "vFUST": "0.66",  # 0.5%: 0.50 + 0.05 + 0.11
        "vFUNTTEL": "1.32",  # 1%: 1.00 + 0.10 + 0.22
        "vDesc": "5.00",
        "vOutro": "0.00",
        "vNF": "131.90",  # vProd, no retentions (G137)
        # the IBS/CBS base: each line without its ICMS, PIS and COFINS (LC 214/2025 art. 12)
        "vBCIBSCBS": "104.66",  # 79.27 + 7.93 + 17.46
        "vIBS": "0.11",  # 0.1% (UF): 0.08 + 0.01 + 0.02
        "vCBS": "0.94",  # 0.9%: 0.71 + 0.07 + 0.16
        "vTotDFe": "132.95",  # vNF + IBS + CBS
    }
    assert (
        text(items[0], "n:imposto/n:IBSCBS/n:gIBSCBS/n:vBC") == "79.27"
    )  # 99.90 - 16.98 - 0.65 - 3.00
    fatura = document.find("n:infNFCom/n:gFat", NS)
    assert text(fatura, "n:CompetFat") == "202612"
    assert text(fatura, "n:dVencFat") == "2026-12-10"
    assert text(fatura, "n:codBarras") == data.bill.barcode
    assert text(fatura, "n:gPIX/n:urlQRCodePIX") == data.bill.pix_code


TOTALS = {
    "vProd": "n:vProd",
    "vBC": "n:ICMSTot/n:vBC",
    "vICMS": "n:ICMSTot/n:vICMS",
    "vPIS": "n:vPIS",
    "vCOFINS": "n:vCOFINS",
    "vFUST": "n:vFUST",
    "vFUNTTEL": "n:vFUNTTEL",
    "vDesc": "n:vDesc",
    "vOutro": "n:vOutro",
    "vNF": "n:vNF",
    "vBCIBSCBS": "n:IBSCBSTot/n:vBCIBSCBS",
    "vIBS": "n:IBSCBSTot/n:gIBS/n:vIBS",
    "vCBS": "n:IBSCBSTot/n:gCBS/n:vCBS",
    "vTotDFe": "n:vTotDFe",
}


def test_a_company_with_ie_billed_on_one_line_is_signed_and_valid(a1, certificate):
    xml = signed(company_invoice(), certificate)

    assert_valid_and_verified(xml, a1)
    document = etree.fromstring(xml)
    assert text(document, "n:infNFCom/n:dest/n:CNPJ") == "04252011000110"
    assert text(document, "n:infNFCom/n:dest/n:indIEDest") == "1"  # a contributor, with its IE
    assert text(document, "n:infNFCom/n:dest/n:IE") == "0240012345"
    assert text(document, "n:infNFCom/n:assinante/n:tpServUtil") == "4"  # internet access
    assert len(document.findall("n:infNFCom/n:det", NS)) == 1
    assert text(document, "n:infNFCom/n:det/n:prod/n:uMed") == "3"  # GB
    assert text(document, "n:infNFCom/n:total/n:vNF") == "749.90"
    assert text(document, "n:infNFCom/n:infAdic/n:infCpl") == "Contrato CT-2024-0007, SLA 99,5%."
    assert text(document, "n:infNFCom/n:gRespTec/n:xContato") == "Equipe Fiscal"


def test_the_qr_code_is_the_consultation_url_with_key_and_environment(certificate):
    data = company_invoice()
    document = etree.fromstring(signed(data, certificate))

    assert text(document, "n:infNFComSupl/n:qrCodNFCom") == (
        f"https://dfe-portal.svrs.rs.gov.br/NFCom/qrcode?chNFCom={access_key(data)}&tpAmb=2"
    )


@pytest.mark.parametrize(
    ("icms", "group", "base", "tax"),
    [
        (Icms("00", rate=Decimal(17)), "ICMS00", "100.00", "17.00"),
        (Icms("20", rate=Decimal(17), base_reduction=Decimal(40)), "ICMS20", "60.00", "10.20"),
        (Icms("40"), "ICMS40", "0.00", "0.00"),
        (Icms("41"), "ICMS40", "0.00", "0.00"),
        (Icms("51"), "ICMS51", "0.00", "0.00"),
        (Icms("90", rate=Decimal(12)), "ICMS90", "100.00", "12.00"),
        (Icms("90"), "ICMS90", "0.00", "0.00"),
        (Icms("SN"), "ICMSSN", "0.00", "0.00"),
    ],
)
def test_each_icms_situation_makes_its_group_and_totals(certificate, icms, group, base, tax):
    data = company_invoice()
    data = dataclasses.replace(data, lines=(taxed_line("PLANO", "Internet", "100", icms=icms),))
    xml = signed(data, certificate)

    assert schemas.validate(xml) == []
    document = etree.fromstring(xml)
    assert document.find(f"n:infNFCom/n:det/n:imposto/n:{group}", NS) is not None
    assert text(document, "n:infNFCom/n:total/n:ICMSTot/n:vBC") == base
    assert text(document, "n:infNFCom/n:total/n:ICMSTot/n:vICMS") == tax


def test_a_simples_nacional_issuer_without_ibs_cbs_is_valid(a1, certificate):
    line = taxed_line(
        "PLANO", "Internet 100 Mega", "89.90", icms=Icms("SN"), pis=None, cofins=None, ibs_cbs=None
    )
    data = dataclasses.replace(
        person_invoice(), issuer=issuer(Regime.SIMPLES_NACIONAL), lines=(line,)
    )
    xml = signed(data, certificate)

    assert_valid_and_verified(xml, a1)
    document = etree.fromstring(xml)
    assert text(document, "n:infNFCom/n:emit/n:CRT") == "1"
    assert document.find("n:infNFCom/n:total/n:IBSCBSTot", NS) is None
    assert text(document, "n:infNFCom/n:total/n:vTotDFe") is None


def test_an_untaxed_ibs_cbs_classification_carries_only_cst_and_class(certificate):
    line = taxed_line("PLANO", "Internet", "100", ibs_cbs=IbsCbs("410", "410001"))
    xml = signed(dataclasses.replace(company_invoice(), lines=(line,)), certificate)

    assert schemas.validate(xml) == []
    document = etree.fromstring(xml)
    group = document.find("n:infNFCom/n:det/n:imposto/n:IBSCBS", NS)
    assert [etree.QName(child).localname for child in group] == ["CST", "cClassTrib"]
    assert text(document, "n:infNFCom/n:total/n:IBSCBSTot/n:vBCIBSCBS") == "0.00"
    assert text(document, "n:infNFCom/n:total/n:vTotDFe") == "100.00"


def test_figures_within_the_schemas_decimals_are_written_as_computed(certificate):
    """17.5 written 17.50, a 4-decimal PIS rate and quantity kept: the tax is the written rate's."""
    line = taxed_line(
        "PLANO",
        "Internet",
        "100",
        quantity=Decimal("1.0000"),
        icms=Icms("00", Decimal("17.500")),
        pis=Contribution("01", Decimal("0.6525")),
    )
    document = etree.fromstring(build_xml(dataclasses.replace(company_invoice(), lines=(line,))))
    imposto = document.find("n:infNFCom/n:det/n:imposto", NS)

    assert (text(imposto, "n:ICMS00/n:pICMS"), text(imposto, "n:ICMS00/n:vICMS")) == (
        "17.50",
        "17.50",
    )
    assert (text(imposto, "n:PIS/n:pPIS"), text(imposto, "n:PIS/n:vPIS")) == ("0.6525", "0.65")


def test_in_contingency_the_qr_code_carries_the_keys_signature(a1, certificate):
    since = datetime(2026, 12, 1, 9, 0, tzinfo=BRASILIA)
    data = dataclasses.replace(
        person_invoice(),
        contingency=Contingency(since, "SEFAZ fora do ar desde as 9h (cStat 108)"),
    )
    key = str(access_key(data))
    xml = signed(data, certificate, qr_signature=sign_access_key(key, certificate))

    assert_valid_and_verified(xml, a1)
    document = etree.fromstring(xml)
    assert parse(key).emission_type == 2
    assert text(document, "n:infNFCom/n:ide/n:tpEmis") == "2"
    assert text(document, "n:infNFCom/n:ide/n:dhCont") == "2026-12-01T09:00:00-03:00"
    url, sign_value = text(document, "n:infNFComSupl/n:qrCodNFCom").split("&sign=")
    assert url.endswith(f"?chNFCom={key}&tpAmb=2")
    certificate.certificate.public_key().verify(
        base64.b64decode(sign_value),
        key.encode(),
        padding.PKCS1v15(),
        hashes.SHA1(),  # noqa: S303 (the MOC fixes SHA-1)
    )


def test_the_qr_signature_is_refused_out_of_contingency_and_required_in_it(certificate):
    data = person_invoice()
    with pytest.raises(IncompleteInvoice, match="contingência"):
        build_xml(data, qr_signature="c2lnbg==")
    with pytest.raises(IncompleteInvoice, match="contingência"):
        build_xml(dataclasses.replace(data, contingency=Contingency(data.issued_at, "x" * 20)))


def test_a_tampered_amount_fails_the_signature_and_a_malformed_one_the_schema(a1, certificate):
    xml = signed(person_invoice(), certificate)
    assert b"<vNF>131.90</vNF>" in xml

    changed = xml.replace(b"<vNF>131.90</vNF>", b"<vNF>31.90</vNF>")
    result = xmlsec1_verify(changed, a1)
    assert result.returncode != 0
    assert "FAIL" in result.stderr

    malformed = xml.replace(b"<vNF>131.90</vNF>", b"<vNF>131,90</vNF>")
    errors = schemas.validate(malformed)
    assert len(errors) == 1
    assert "vNF" in errors[0].message
    assert str(errors[0]).startswith(f"Linha {errors[0].line}: ")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"lines": ()}, "pelo menos um item"),
        ({"issued_at": datetime(2026, 12, 1, 9, 30)}, "fuso horário"),
        ({"lines": (taxed_line("X", "Brinde", "0"),)}, "não tem valor positivo"),
        ({"lines": (taxed_line("X", "Plano", "10", icms=Icms("00")),)}, "precisa da alíquota"),
        ({"lines": (taxed_line("X", "Plano", "10", icms=Icms("60")),)}, "CST de ICMS"),
        (
            {
                "lines": (
                    taxed_line("X", "Plano", "10", ibs_cbs=IbsCbs("000", "000001", cbs_rate=1)),
                )
            },
            "três alíquotas",
        ),
        ({"customer": Customer("Sem documento", company_invoice().customer.address)}, "CPF ou de"),
        # pICMS is TDec_0302: 17.505 would be written 17.51 while the tax came from 17.505
        (
            {"lines": (taxed_line("X", "Plano", "10", icms=Icms("00", Decimal("17.505"))),)},
            r"a alíquota do ICMS \(17.505\) tem mais de 2 casas decimais",
        ),
        (
            {
                "lines": (
                    taxed_line("X", "Plano", "10", pis=Contribution("01", Decimal("0.65005"))),
                )
            },
            r"a alíquota do PIS \(0.65005\) tem mais de 4 casas",
        ),
        (
            {"lines": (taxed_line("X", "Plano", "10", quantity=Decimal("1.00005")),)},
            "a quantidade",
        ),
        (
            {"lines": (taxed_line("X", "Plano", "10.123456789"),)},
            "o valor unitário",
        ),
    ],
)
def test_an_invoice_that_cannot_be_built_says_why(change, reason):
    with pytest.raises(IncompleteInvoice, match=reason):
        build_xml(dataclasses.replace(person_invoice(), **change))

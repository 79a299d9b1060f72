"""PIX copia e cola (BR Code): CRC vectors and the Banco Central's published examples."""

from decimal import Decimal

import pytest

from models.billing.pix import (
    crc16_ccitt,
    crc_is_valid,
    emv_fields,
    pix_copia_e_cola,
    pix_dynamic_code,
)

pytestmark = pytest.mark.one_backend  # no database in it: run on one backend (scripts/test)

# The static BR Code example of the Banco Central's "Manual de Padrões para Iniciação do Pix"
# (key 123e4567-e12b-12d1-a456-426655440000, Fulano de Tal, BRASILIA, no amount, no txid).
BCB_STATIC = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)
# The dynamic example of the same manual (point of initiation 12, a location URL, R$ 123,45),
# as the pixcode package's README quotes it: only its CRC is checked here.
BCB_DYNAMIC = (
    "00020101021226720014br.gov.bcb.pix2550bx.com.br/pix/8b3da2f3-9a41-40d1-a91a-bd93113bd441"
    "5204000053039865406123.455802BR5913Fulano de Tal6008BRASILIA62190515RP12345678-2019"
    "630445C8"
)


@pytest.mark.parametrize(
    ("data", "crc"),
    [(b"123456789", 0x29B1), (b"", 0xFFFF), (b"A", 0xB915)],  # CRC-16/CCITT-FALSE catalogue
)
def test_crc16_ccitt_false_vectors(data, crc):
    assert crc16_ccitt(data) == crc


def test_the_manual_s_static_example_is_reproduced():
    code = pix_copia_e_cola("123e4567-e12b-12d1-a456-426655440000", "Fulano de Tal", "BRASILIA")
    assert code == BCB_STATIC


@pytest.mark.parametrize("payload", [BCB_STATIC, BCB_DYNAMIC])
def test_published_codes_have_a_valid_crc(payload):
    assert crc_is_valid(payload)
    assert not crc_is_valid(payload[:-1] + ("0" if payload[-1] != "0" else "1"))


def test_amount_txid_and_accents():
    code = pix_copia_e_cola(
        "12345678000195",
        "Provedor Conexão Rápida do Interior Ltda",
        "São José dos Campos",
        amount=Decimal("129.9"),
        txid="REC-000123/2026",
    )
    fields = emv_fields(code)
    assert fields["00"] == "01"
    assert emv_fields(fields["26"]) == {"00": "br.gov.bcb.pix", "01": "12345678000195"}
    assert fields["52"] == "0000"
    assert fields["53"] == "986"
    assert fields["54"] == "129.90"
    assert fields["58"] == "BR"
    assert fields["59"] == "Provedor Conexao Rapida d"  # ASCII, 25 characters
    assert fields["60"] == "Sao Jose dos Ca"  # 15
    assert emv_fields(fields["62"]) == {"05": "REC0001232026"}  # alphanumeric only
    assert list(fields) == ["00", "26", "52", "53", "54", "58", "59", "60", "62", "63"]
    assert crc_is_valid(code)


def test_a_long_txid_is_cut_to_25():
    code = pix_copia_e_cola("chave@exemplo.com.br", "ISP", "Recife", txid="A" * 40)
    assert emv_fields(emv_fields(code)["62"])["05"] == "A" * 25


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": ""}, "PIX key"),
        ({"key": "x" * 78}, "PIX key"),
        ({"name": "   "}, "name and city"),
        ({"city": "☃"}, "name and city"),
        ({"amount": Decimal("0")}, "positive"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    args = {"key": "chave@exemplo.com.br", "name": "ISP", "city": "Recife", **kwargs}
    with pytest.raises(ValueError, match=message):
        pix_copia_e_cola(**args)


def test_a_malformed_payload_is_refused():
    with pytest.raises(ValueError, match="malformed"):
        emv_fields("0002012X")
    with pytest.raises(ValueError, match="runs past the end"):
        emv_fields("00020126990014br.gov.bcb.pix")


# The Banco Central's API Pix 2.9.0 document (bacen/pix-api, openapi.yaml, example of a
# cobv composed with a recurrence: "QR composto", journey 4).
BCB_COBV_REC = (
    "00020101021226810014br.gov.bcb.pix2559pix.example.com/qr/v2/cobv/"
    "1e6c54d3ec9449b7a7fc53b6b0f998e75204000053039865802BR5913Fulano de Tal6008BRASILIA"
    "62070503***80800014br.gov.bcb.pix2558pix.example.com/qr/v2/rec/"
    "3ffa640fa4f14080adccb949fa2dc0d06304A441"
)


def test_dynamic_code_matches_the_banco_centrals_example():
    code = pix_dynamic_code(
        "pix.example.com/qr/v2/cobv/1e6c54d3ec9449b7a7fc53b6b0f998e7",
        "Fulano de Tal",
        "BRASILIA",
        rec_location="pix.example.com/qr/v2/rec/3ffa640fa4f14080adccb949fa2dc0d0",
    )
    assert code == BCB_COBV_REC
    assert crc_is_valid(code)


def test_dynamic_code_carries_the_location_and_no_txid():
    code = pix_dynamic_code("https://psp.example/qr/v2/cobv/abc", "Provedor São José", "São Paulo")
    fields = emv_fields(code)
    assert fields["01"] == "12"
    assert emv_fields(fields["26"]) == {"00": "br.gov.bcb.pix", "25": "psp.example/qr/v2/cobv/abc"}
    assert emv_fields(fields["62"]) == {"05": "***"}
    assert "54" not in fields  # the amount is the charge's, as of the day it is paid
    assert fields["59"] == "Provedor Sao Jose" and crc_is_valid(code)


@pytest.mark.parametrize("location", ["", "x" * 78])
def test_dynamic_code_refuses_a_location_that_does_not_fit(location):
    with pytest.raises(ValueError):
        pix_dynamic_code(location, "Provedor", "Recife")


# The same document's example of a recurrence's own QR code (journey 2: no charge, field 26
# with the GUI alone, the recurrence's location in field 80).
BCB_REC = (
    "00020126180014br.gov.bcb.pix5204000053039865802BR5913Fulano de Tal6008BRASILIA"
    "62070503***80800014br.gov.bcb.pix2558pix.example.com/qr/v2/rec/"
    "2353c790eefb11eaadc10242ac120002630462C9"
)


def test_a_recurrences_code_matches_the_banco_centrals_example():
    code = pix_dynamic_code(
        None,
        "Fulano de Tal",
        "BRASILIA",
        rec_location="pix.example.com/qr/v2/rec/2353c790eefb11eaadc10242ac120002",
    )
    assert code == BCB_REC


def test_a_code_needs_a_charge_or_a_recurrence():
    with pytest.raises(ValueError):
        pix_dynamic_code(None, "Provedor", "Recife")

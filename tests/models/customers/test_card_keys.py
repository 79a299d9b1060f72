"""Card key rotation without downtime: prepend a key, re-encrypt, drop the old one."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import text

from models.customers.card_crypto import decrypt
from models.customers.settings import CustomerSettings
from models.db import db
from models.settings import current as settings_of
from tests.builders import build_customer
from tests.web.payment_payloads import MASTERCARD, VISA, bank_debit, card, created, methods_url

AMEX = "378282246310005"


def stored_cards(app) -> dict[int, str]:
    with app.app_context():
        rows = db.session.execute(
            text("SELECT id, card_number_encrypted FROM payment_methods WHERE method = 'card'")
        )
        return dict(rows.all())


def decrypted(app, tokens: dict[int, str]) -> dict[int, str]:
    with app.app_context():
        return {row_id: decrypt(token) for row_id, token in tokens.items()}


def history_size(app) -> int:
    with app.app_context():
        return db.session.scalar(text("SELECT count(*) FROM history"))


def rotate(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["payment-methods", "rotate-keys", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_rotation_re_encrypts_every_card_with_the_newest_key(app, client, admin, override_settings):
    (old_key,) = settings_of(CustomerSettings, app).card_keys
    new_key = Fernet.generate_key().decode()
    code = build_customer(app)
    for number in (VISA, MASTERCARD, AMEX):
        created(client, admin, code, card(card_number=number))
    created(client, admin, code, bank_debit())  # no card: nothing to rotate
    before = stored_cards(app)

    override_settings(CustomerSettings, card_keys=(new_key, old_key))
    assert sorted(decrypted(app, before).values()) == sorted((VISA, MASTERCARD, AMEX))
    newest = created(client, admin, code, card(card_number=VISA))  # written under the new key
    newest_token = stored_cards(app)[newest["id"]]
    history = history_size(app)

    assert "Re-encrypted 3 card numbers" in rotate(app, "--batch-size", "2")
    after = stored_cards(app)
    assert after[newest["id"]] == newest_token  # already under the newest key: left alone
    assert all(after[row_id] != token for row_id, token in before.items())
    assert history_size(app) == history  # re-encrypting is not a change of the card

    override_settings(CustomerSettings, card_keys=(new_key,))
    assert sorted(decrypted(app, after).values()) == sorted((VISA, VISA, MASTERCARD, AMEX))
    renewed = client.patch(
        methods_url(code, newest["id"]),
        json={"expiry": "10/2040", "security_code": "555"},
        headers=admin,
    )  # the gateway gets the number decrypted with the new key alone
    assert renewed.status_code == 200, renewed.get_json()

    override_settings(CustomerSettings, card_keys=(old_key,))
    with pytest.raises(InvalidToken):
        decrypted(app, after)


def test_rotation_run_again_changes_nothing(app, client, admin, override_settings):
    (old_key,) = settings_of(CustomerSettings, app).card_keys
    code = build_customer(app)
    created(client, admin, code, card())
    override_settings(CustomerSettings, card_keys=(Fernet.generate_key().decode(), old_key))
    assert "Re-encrypted 1 card numbers" in rotate(app)
    rotated = stored_cards(app)
    assert "Re-encrypted 0 card numbers" in rotate(app)
    assert stored_cards(app) == rotated


def test_rotation_with_no_cards_does_nothing(app):
    assert "Re-encrypted 0 card numbers" in rotate(app)


def test_rotation_re_encrypts_the_psp_secrets_too(app, override_settings):
    from models.billing.psp_connections import connection_of
    from tests.web.billing.pix_helpers import PLACEHOLDER_PEM, connect_default_account

    (old_key,) = settings_of(CustomerSettings, app).card_keys
    new_key = Fernet.generate_key().decode()
    account_id, _ = connect_default_account(app)
    override_settings(CustomerSettings, card_keys=(new_key, old_key))
    assert "Re-encrypted 2 PSP secrets" in rotate(app)
    override_settings(CustomerSettings, card_keys=(new_key,))  # the old key dropped
    with app.app_context():
        config = connection_of(account_id).config()
    assert (config.client_secret, config.certificate_pem) == ("s3cret", PLACEHOLDER_PEM)


def test_rotation_re_encrypts_the_nfcom_issuers_certificate_too(app, override_settings):
    from models.fiscal.fiscal_settings import fiscal_settings, save_settings
    from tests.fiscal_samples import VALID_AT, make_a1

    a1 = make_a1()  # valid around VALID_AT, whatever today is
    with app.app_context():
        save_settings({"certificate": a1.pkcs12, "certificate_password": a1.password}, VALID_AT)
        db.session.commit()
    (old_key,) = settings_of(CustomerSettings, app).card_keys
    new_key = Fernet.generate_key().decode()
    override_settings(CustomerSettings, card_keys=(new_key, old_key))
    assert "Re-encrypted 3 NFCom issuer secrets" in rotate(app)
    override_settings(CustomerSettings, card_keys=(new_key,))  # the old key dropped
    with app.app_context():
        settings = fiscal_settings()
        assert decrypt(settings.certificate_password_encrypted) == a1.password
        assert settings.certificate(VALID_AT).cnpj == a1_cnpj(a1)


def a1_cnpj(a1) -> str:
    from cryptography import x509

    from models.fiscal.signing import cnpj_of

    return cnpj_of(x509.load_pem_x509_certificate(a1.certificate_pem))

"""The one adapter to SEFAZ for the NFCom: SVRS's four web services (no state runs its own).

The rest of the service never speaks SOAP: it calls Sefaz and decides on two things only:

- SefazUnavailable: no answer now (timeout, connection refused or dropped, TLS failure, HTTP 5xx,
  an answer that is not SOAP, cStat 108/109 "Serviço Paralisado"): retry later or go into
  contingency. After a timeout or a dropped connection on authorize() the NFCom may have been
  authorized all the same: consult() its key before sending it again.
- an Answer: every other cStat, which the caller acts on (100 authorized, 204 duplicated, 2xx/5xx
  rejections with their text for finance, 135 event registered...).
- SefazDivergence: SEFAZ holds another document under our key (a 204 whose authorized digest is
  not the one we sent): finance must look into it, nothing is retried.

What SVRS expects (MOC NFCom "Visão Geral" 1.00a, 3.4.1 and 4; SVRS's WSDLs): SOAP 1.2 over mutual
TLS with the A1 certificate, no SOAP Header, the Body holding one `nfcomDadosMsg` in the service's
namespace `http://www.portalfiscal.inf.br/nfcom/wsdl/<service>`; for NFComRecepcao its text is the
NFCom gzip-compressed and base64-encoded, for the other services the XML itself. The answer is
`nfcomResultMsg` holding retNFCom, retConsSitNFCom, retConsStatServNFCom or retEventoNFCom.

Mutual TLS: an ssl.SSLContext built once per Sefaz from the A1 (signing.Certificate) and SEFAZ's
CA, mounted on the session; the key touches the disk only while ssl loads it (see _tls_context).
Neither is ever logged. A server certificate that fails verification is a SefazError (wrong CA
configured), not a reason to wait.
"""

import base64
import gzip
import os
import re
import secrets
import ssl
import tempfile
from dataclasses import dataclass
from datetime import datetime

import requests
from cryptography.hazmat.primitives import serialization
from lxml import etree
from requests.adapters import HTTPAdapter

from models.fiscal.signing import Certificate
from models.wire import transport_failure

NFCOM_NS = "http://www.portalfiscal.inf.br/nfcom"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
WSDL_NS = "http://www.portalfiscal.inf.br/nfcom/wsdl/"
VERSION = "1.00"  # the layout version of every NFCom message (PL_NFCom 1.00)

# service -> its WSDL operation (the SOAP action is namespace/operation)
OPERATIONS = {
    "NFComRecepcao": "nfcomRecepcao",
    "NFComConsulta": "nfcomConsultaNF",
    "NFComStatusServico": "nfcomStatusServicoNF",
    "NFComRecepcaoEvento": "nfcomRecepcaoEvento",
}

# The published addresses (SVRS's WSDLs and the portal dfe-portal.svrs.rs.gov.br/NFCom).
PRODUCTION = "producao"
HOMOLOGATION = "homologacao"
TP_AMB = {PRODUCTION: "1", HOMOLOGATION: "2"}
URLS = {
    PRODUCTION: {
        service: f"https://nfcom.svrs.rs.gov.br/WS/{service}/{service}.asmx"
        for service in OPERATIONS
    },
    HOMOLOGATION: {
        service: f"https://nfcom-homologacao.svrs.rs.gov.br/WS/{service}/{service}.asmx"
        for service in OPERATIONS
    },
}

OUT_OF_SERVICE = frozenset({108, 109})  # Serviço Paralisado Momentaneamente / sem Previsão
AUTHORIZED = frozenset({100, 150})  # 150: authorized, but late (MOC Anexo I, G38)
DUPLICATE = 204
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"


class SefazError(Exception):
    """SEFAZ's answer could not be used as one (a SOAP fault from our side, HTTP 4xx): a bug to
    look into, not something a retry fixes."""


class SefazUnavailable(SefazError):
    """No usable answer now: retry later or issue in contingency."""


class SefazDivergence(Exception):
    """SEFAZ authorized under this key a document other than the one we sent (204 with another
    digest): for finance, never retried. The message is shown to finance."""

    def __init__(self, access_key: str, authorized: "Answer"):
        super().__init__(
            f"A SEFAZ já autorizou outro documento com a chave {access_key} "
            f"(protocolo {authorized.protocol}): confira a nota antes de reenviar."
        )
        self.access_key = access_key
        self.authorized = authorized


@dataclass(frozen=True)
class Answer:
    """What SEFAZ said: cStat, xMotivo and, when there is one, the protocol.

    `protocol_xml` is what is kept with the invoice: protNFCom for authorize() and consult(),
    retEventoNFCom for send_event(). For a 204 (duplicated) of the very document we sent,
    `protocol`, `received_at` and `protocol_xml` are the first authorization's, as consult()
    gives them (xMotivo's text is not parsed: its wording is not a contract).
    """

    status: int  # cStat
    reason: str  # xMotivo
    protocol: str | None = None  # nProt
    received_at: datetime | None = None  # dhRecbto (dhRegEvento for events, dhAut for a 204)
    access_key: str | None = None  # chNFCom
    digest: str | None = None  # digVal: the DigestValue SEFAZ computed over the NFCom
    protocol_xml: bytes | None = None

    @property
    def authorized(self) -> bool:
        return self.status in AUTHORIZED


def _tls_context(certificate: Certificate, ca_pem: str | None) -> ssl.SSLContext:
    """The mutual-TLS context: SEFAZ's CA (`ca_pem`, else the system's) and the A1.

    ssl loads a client certificate from a file only: the key goes to a private temporary file
    (mkstemp: 0600), encrypted with a one-off password, and the file is removed as soon as it is
    loaded, so no key stays on disk, not even after a SIGKILL."""
    context = ssl.create_default_context(cadata=ca_pem) if ca_pem else ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    password = secrets.token_bytes(32)
    key_pem = certificate.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password),
    )
    descriptor, path = tempfile.mkstemp(prefix="sefaz-", suffix=".pem")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(certificate.certificate.public_bytes(serialization.Encoding.PEM) + key_pem)
        context.load_cert_chain(path, password=password)
    finally:
        os.unlink(path)
    return context


class _MutualTls(HTTPAdapter):
    """requests with our own SSLContext: the pool takes it instead of building one from files."""

    def __init__(self, context: ssl.SSLContext):
        self._context = context
        super().__init__()

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host, _files = super().build_connection_pool_key_attributes(request, verify, None)
        return host, {"ssl_context": self._context}

    def cert_verify(self, conn, url, verify, cert) -> None:
        pass  # the context carries the CA and the client certificate: no file paths


class Sefaz:
    """SVRS's NFCom services for one issuer's A1 certificate, in one environment."""

    def __init__(
        self,
        environment: str,
        certificate: Certificate,
        ca_pem: str | None = None,
        urls: dict[str, str] | None = None,
        timeout: float = 30.0,
    ):
        if environment not in TP_AMB:
            raise ValueError(f"environment must be {PRODUCTION!r} or {HOMOLOGATION!r}")
        self.environment = environment
        self.tp_amb = TP_AMB[environment]
        self.urls = {**URLS[environment], **(urls or {})}
        self.timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy nor CA bundle from the environment
        self._session.mount("https://", _MutualTls(_tls_context(certificate, ca_pem)))

    def close(self) -> None:
        """Close the connections."""
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.close()

    # --- the four services --------------------------------------------------------------
    def authorize(self, signed_nfcom_xml: bytes) -> Answer:
        """NFComRecepcao (synchronous): the answer is the NFCom's fate, not a receipt."""
        packed = base64.b64encode(gzip.compress(_without_declaration(signed_nfcom_xml)))
        result = self._call("NFComRecepcao", packed.decode("ascii"))
        answer = _answer_of(result, "retNFCom")
        if answer.status == DUPLICATE:
            return self._first_authorization(answer, signed_nfcom_xml)
        return answer

    def _first_authorization(self, duplicate: Answer, signed_nfcom_xml: bytes) -> Answer:
        """A 204 is ours only if SEFAZ's digest of the authorized NFCom is the DigestValue of the
        document we sent (protNFCom/digVal is that digest: MOC Visão Geral 4.2, retNFCom)."""
        document = etree.fromstring(signed_nfcom_xml)
        key = document.find(f"{{{NFCOM_NS}}}infNFCom").get("Id").removeprefix("NFCom")
        ours = document.findtext(f".//{{{DSIG_NS}}}DigestValue")
        found = self.consult(key)
        if found.digest is None:
            raise SefazUnavailable(f"204 for {key}, but NFComConsulta gives no protocol yet")
        if found.digest != ours:
            raise SefazDivergence(key, found)
        return Answer(
            duplicate.status,
            duplicate.reason,
            protocol=found.protocol,
            received_at=found.received_at,
            access_key=key,
            digest=found.digest,
            protocol_xml=found.protocol_xml,
        )

    def consult(self, access_key: str) -> Answer:
        """NFComConsulta: 100 with an authorized key's protNFCom, 101 cancelled, 217 unknown."""
        query = etree.Element(f"{{{NFCOM_NS}}}consSitNFCom", versao=VERSION, nsmap={None: NFCOM_NS})
        etree.SubElement(query, f"{{{NFCOM_NS}}}tpAmb").text = self.tp_amb
        etree.SubElement(query, f"{{{NFCOM_NS}}}xServ").text = "CONSULTAR"
        etree.SubElement(query, f"{{{NFCOM_NS}}}chNFCom").text = access_key
        return _answer_of(self._call("NFComConsulta", query), "retConsSitNFCom")

    def status(self) -> Answer:
        """NFComStatusServico: 107 in operation, 108/109 paralysed (an answer here, not raised:
        it is what this service is asked for)."""
        query = etree.Element(
            f"{{{NFCOM_NS}}}consStatServNFCom", versao=VERSION, nsmap={None: NFCOM_NS}
        )
        etree.SubElement(query, f"{{{NFCOM_NS}}}tpAmb").text = self.tp_amb
        etree.SubElement(query, f"{{{NFCOM_NS}}}xServ").text = "STATUS"
        result = self._call("NFComStatusServico", query)
        return _answer_of(result, "retConsStatServNFCom", paralysed_is_answer=True)

    def send_event(self, signed_event_xml: bytes) -> Answer:
        """NFComRecepcaoEvento: a signed eventoNFCom (110111 cancel...); 135 registered."""
        event = etree.fromstring(_without_declaration(signed_event_xml))
        return _answer_of(self._call("NFComRecepcaoEvento", event), "retEventoNFCom")

    # --- SOAP ---------------------------------------------------------------------------
    def _call(self, service: str, data) -> etree._Element:
        """POST one envelope; the element inside nfcomResultMsg."""
        namespace = WSDL_NS + service
        envelope = etree.Element(f"{{{SOAP12_NS}}}Envelope", nsmap={"soap12": SOAP12_NS})
        body = etree.SubElement(envelope, f"{{{SOAP12_NS}}}Body")
        message = etree.SubElement(body, f"{{{namespace}}}nfcomDadosMsg", nsmap={None: namespace})
        if isinstance(data, str):
            message.text = data
        else:
            message.append(data)
        action = f"{namespace}/{OPERATIONS[service]}"
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"'}
        try:
            response = self._session.post(
                self.urls[service],
                data=etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"),
                headers=headers,
                timeout=self.timeout,
            )
        except requests.exceptions.SSLError as error:
            if _certificate_refused(error):  # a wrong CA configured: waiting will not fix it
                raise SefazError(f"{service}: the server's certificate is not trusted") from None
            raise SefazUnavailable(f"{service}: {transport_failure(error)}") from None
        except requests.RequestException as error:
            raise SefazUnavailable(f"{service}: {transport_failure(error)}") from None
        fault = _fault_of(response)
        if fault is not None:
            # SOAP 1.2 (part 1, 5.4.6): Sender means our message is wrong, a retry fails again;
            # Receiver means SEFAZ could not process it now. ASP.NET's .asmx sends both as HTTP
            # 500, so the code decides, not the status.
            code, reason = fault
            problem = f"{service}: SOAP fault {code} (HTTP {response.status_code}): {reason}"
            raise (SefazUnavailable if code == "Receiver" else SefazError)(problem)
        if response.status_code >= 500:
            raise SefazUnavailable(f"{service}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise SefazError(f"{service}: HTTP {response.status_code}")
        return _result_of(service, response.content)


def _without_declaration(document: bytes) -> bytes:
    """The document without its `<?xml ...?>` line: it goes inside another message."""
    return re.sub(rb"^\s*<\?xml[^>]*\?>\s*", b"", document, count=1)


def _result_of(service: str, content: bytes) -> etree._Element:
    try:
        envelope = etree.fromstring(content, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        raise SefazUnavailable(f"{service}: the answer is not XML") from None
    result = envelope.find(f"{{{SOAP12_NS}}}Body/{{{WSDL_NS}{service}}}nfcomResultMsg")
    if result is None:
        raise SefazUnavailable(f"{service}: the answer has no nfcomResultMsg")
    children = [child for child in result if isinstance(child.tag, str)]
    if children:
        return children[0]
    # Some clients meet the answer packed like the request (gzip + base64): accept both.
    try:
        unpacked = gzip.decompress(base64.b64decode((result.text or "").strip(), validate=True))
        return etree.fromstring(unpacked, etree.XMLParser(resolve_entities=False))
    except (ValueError, OSError, etree.XMLSyntaxError):
        raise SefazUnavailable(f"{service}: nfcomResultMsg holds no answer") from None


def _text(element, path: str) -> str | None:
    found = element.find(path, {"n": NFCOM_NS})
    return found.text if found is not None else None


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _answer_of(result, root: str, paralysed_is_answer: bool = False) -> Answer:
    if result.tag != f"{{{NFCOM_NS}}}{root}":
        raise SefazUnavailable(f"expected {root}, SEFAZ answered {etree.QName(result).localname}")
    # retEventoNFCom keeps its fields in infEvento; the others at the root
    where = result.find("n:infEvento", {"n": NFCOM_NS}) if root == "retEventoNFCom" else result
    status = int(_text(where, "n:cStat") or 0)
    reason = _text(where, "n:xMotivo") or ""
    if status in OUT_OF_SERVICE and not paralysed_is_answer:
        raise SefazUnavailable(f"{status} {reason}")
    if root == "retEventoNFCom":
        return Answer(
            status,
            reason,
            protocol=_text(where, "n:nProt"),
            received_at=_instant(_text(where, "n:dhRegEvento")),
            access_key=_text(where, "n:chNFCom"),
            protocol_xml=_own_document(result),
        )
    if root == "retConsStatServNFCom":
        return Answer(status, reason, received_at=_instant(_text(where, "n:dhRecbto")))
    protocol = result.find("n:protNFCom", {"n": NFCOM_NS})
    if protocol is None:
        return Answer(status, reason)
    nested = protocol.find("n:protNFCom", {"n": NFCOM_NS})  # retConsSitNFCom's is an xs:any
    if nested is not None:
        protocol = nested
    information = protocol.find("n:infProt", {"n": NFCOM_NS})
    return Answer(
        status,
        reason,
        protocol=_text(information, "n:nProt"),
        received_at=_instant(_text(information, "n:dhRecbto")),
        access_key=_text(information, "n:chNFCom"),
        digest=_text(information, "n:digVal"),
        protocol_xml=_own_document(protocol),
    )


def _own_document(element) -> bytes:
    """`element` as a document of its own: without the envelope's namespace declarations."""
    kept = etree.fromstring(etree.tostring(element))
    etree.cleanup_namespaces(kept)
    return etree.tostring(kept, encoding="UTF-8")


def _fault_of(response: requests.Response) -> tuple[str, str] | None:
    """(Code's local name: "Sender", "Receiver"..., Reason's text, short) of a SOAP 1.2 fault."""
    try:
        root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return None
    fault = root.find(f"{{{SOAP12_NS}}}Body/{{{SOAP12_NS}}}Fault")
    if fault is None:
        return None
    code = (fault.findtext(f"{{{SOAP12_NS}}}Code/{{{SOAP12_NS}}}Value") or "").strip()
    reason = fault.findtext(f"{{{SOAP12_NS}}}Reason/{{{SOAP12_NS}}}Text") or ""
    return code.rpartition(":")[2], reason[:300]


def _certificate_refused(error: BaseException) -> bool:
    """Whether the TLS failure is the server's certificate failing verification."""
    seen = set()
    pending = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return False

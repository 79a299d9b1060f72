"""The stand-in SVRS: NFCom's four web services over mutual TLS, SOAP 1.2, answering like SVRS.

Each request goes: client certificate (the TLS layer refuses a client without one from the
stand-in's CA) -> injected fault, if any -> the envelope (SOAP 1.2, no Header, one nfcomDadosMsg
in the service's namespace, the action the WSDL gives; else a SOAP fault, recorded in
`violations`) -> the service's rules in the MOC's order -> the answer, itself checked against the
official XSD of its message (an answer the XSD refuses is a bug here: recorded in `violations`).

See README.md beside this module for the rules and where each comes from.
"""

import base64
import binascii
import contextlib
import gzip
import socket
import threading
import time
from datetime import datetime, timedelta

import trustme
from lxml import etree
from werkzeug.wrappers import Request, Response

from tests.pix_psp.mtls_server import MtlsLiveServer
from tests.sefaz import checks
from tests.sefaz.certificates import issue_a1
from tests.sefaz.checks import NFCOM_NS, Refusal
from tests.sefaz.faults import Faults
from tests.sefaz.registry import BRASILIA, Authorization, Registry, xml_instant

SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
WSDL_NS = "http://www.portalfiscal.inf.br/nfcom/wsdl/"
OPERATIONS = {
    "NFComRecepcao": "nfcomRecepcao",
    "NFComConsulta": "nfcomConsultaNF",
    "NFComStatusServico": "nfcomStatusServicoNF",
    "NFComRecepcaoEvento": "nfcomRecepcaoEvento",
}
PATHS = {f"/WS/{service}/{service}.asmx": service for service in OPERATIONS}
VERSION = "1.00"
VER_APLIC = "SVRS-STANDIN-1.00"
RS = "43"  # the UF that answers: SVRS runs at Rio Grande do Sul's SEFAZ
MAX_DATA = 1024 * 1024  # MOC Visão Geral 4.1.3 B01: 1024 KB
CANCEL = "110111"
TOLERANCE = timedelta(minutes=5)  # the clock skew the MOC tolerates (K14-K16, L11)
CANCEL_HOURS = timedelta(hours=120)  # L11: until 120 hours into the month after authorization
PARALYSED = {
    108: "Serviço Paralisado Momentaneamente (curto prazo)",
    109: "Serviço Paralisado sem Previsão",
}


class SvrsStandIn:
    """SVRS on https://127.0.0.1:PORT for tests; see README.md beside this module."""

    def __init__(
        self, cnpj: str = "06117473000150", environment: str = "2", verifier: str = "xmlsec1"
    ):
        if verifier not in checks.VERIFIERS:
            raise ValueError(f"verifier: one of {checks.VERIFIERS}")
        self.cnpj = cnpj
        self.environment = environment  # tpAmb it serves: "2" homologação, "1" produção
        self.verifier = verifier  # of signatures: xmlsec1 (the tests), in-process (volume)
        self._ca = trustme.CA(organization_name="Stand-in SVRS CA")
        self.ca_pem = self._ca.cert_pem.bytes().decode()
        self._a1: dict[str, tuple[str, str]] = {}
        self.certificate_pem, self.key_pem = self.a1_for(cnpj)
        server_pem = self._ca.issue_cert("127.0.0.1", "localhost")
        server_pem = server_pem.private_key_and_cert_chain_pem.bytes().decode()
        if verifier == "xmlsec1":
            checks.xmlsec1_path()  # fail at once, not at the first request, when it is missing
        self.registry = Registry()
        self.faults = Faults()
        self.violations: list[str] = []
        self.received: list[tuple[str, int]] = []  # (service, cStat answered)
        self.paralysed: int | None = None
        self._lock = threading.Lock()
        self._server = MtlsLiveServer(self._wsgi, self.ca_pem, server_pem)
        self.base_url = self._server.url
        self.urls = {service: self.base_url + path for path, service in PATHS.items()}

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> "SvrsStandIn":
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()

    # --- what tests look at and do ------------------------------------------------------
    def a1_for(self, cnpj: str) -> tuple[str, str]:
        """(certificate PEM, key PEM) of an e-CNPJ for `cnpj` from the stand-in's CA."""
        if cnpj not in self._a1:
            self._a1[cnpj] = issue_a1(self._ca, cnpj)
        return self._a1[cnpj]

    def now(self) -> datetime:
        return self.registry.now()

    def set_now(self, instant: datetime | None) -> None:
        self.registry.set_now(instant)

    def advance(self, delta: timedelta) -> None:
        self.registry.advance(delta)

    def fail_next(self, service: str, kind: str, times: int = 1) -> None:
        self.faults.fail_next(service, kind, times)

    def paralyse(self, status: int = 109) -> None:
        """Every service answers 108 or 109 until resume()."""
        if status not in PARALYSED:
            raise ValueError("108 or 109")
        self.paralysed = status

    def resume(self) -> None:
        self.paralysed = None

    def authorization(self, key: str) -> Authorization | None:
        with self.registry.lock:
            return self.registry.by_key.get(key)

    def answered(self, service: str) -> list[int]:
        with self._lock:
            return [status for where, status in self.received if where == service]

    # --- WSGI ---------------------------------------------------------------------------
    def _wsgi(self, environ, start_response):
        request = Request(environ)
        service = PATHS.get(request.path)
        if service is None:
            return Response("Not Found", status=404)(environ, start_response)
        if request.method != "POST":
            return Response("Method Not Allowed", status=405)(environ, start_response)
        fault = self.faults.take(service)
        if fault == "500":
            return _fault(500, "Receiver", "Falha simulada do SVRS")(environ, start_response)
        paralysed = int(fault) if fault in ("108", "109") else self.paralysed
        response = self._soap(request, service, paralysed)
        if fault == "timeout":
            time.sleep(self.faults.slow_seconds)
        if fault == "drop":
            _drop(environ)
            return []
        return response(environ, start_response)

    def _soap(self, request: Request, service: str, paralysed: int | None) -> Response:
        try:
            data = self._data_area(request, service)
        except _EnvelopeError as error:
            self._record(f"{service}: {error}")
            return _fault(500, "Sender", str(error))  # as ASP.NET .asmx answers any fault
        handler = {
            "NFComRecepcao": self._recepcao,
            "NFComConsulta": self._consulta,
            "NFComStatusServico": self._status,
            "NFComRecepcaoEvento": self._evento,
        }[service]
        answer = handler(data, paralysed)
        status = answer.findtext(f".//{{{NFCOM_NS}}}cStat")
        with self._lock:
            self.received.append((service, int(status)))
        schema = etree.QName(answer).localname + "_v1.00.xsd"
        wrong = checks.schema_errors(schema, answer)
        if wrong:
            self._record(f"answer of {service} refused by {schema}: " + " | ".join(wrong))
        return _envelope(service, answer)

    def _data_area(self, request: Request, service: str):
        """The text (NFComRecepcao) or the element inside nfcomDadosMsg."""
        namespace = WSDL_NS + service
        kind, _, parameters = (request.headers.get("Content-Type") or "").partition(";")
        if kind.strip().lower() != "application/soap+xml":
            raise _EnvelopeError(f"Content-Type {kind!r} is not SOAP 1.2 (application/soap+xml)")
        action = f'action="{namespace}/{OPERATIONS[service]}"'
        if action not in [part.strip() for part in parameters.split(";")]:
            raise _EnvelopeError(f"the Content-Type lacks {action}")
        try:
            envelope = etree.fromstring(request.get_data(), etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError as error:
            raise _EnvelopeError(f"the envelope is not XML: {error}") from None
        if envelope.tag != f"{{{SOAP12_NS}}}Envelope":
            raise _EnvelopeError(f"not a SOAP 1.2 envelope: {envelope.tag}")
        parts = [child for child in envelope if isinstance(child.tag, str)]
        if [part.tag for part in parts] != [f"{{{SOAP12_NS}}}Body"]:
            raise _EnvelopeError("the envelope must hold a Body and no Header (MOC 3.4.1)")
        messages = [child for child in parts[0] if isinstance(child.tag, str)]
        if len(messages) != 1 or messages[0].tag != f"{{{namespace}}}nfcomDadosMsg":
            raise _EnvelopeError(f"the Body must hold one {{{namespace}}}nfcomDadosMsg")
        message = messages[0]
        if service == "NFComRecepcao":
            if len(message):
                raise _EnvelopeError("NFComRecepcao takes the NFCom gzip + base64, not XML")
            return (message.text or "").strip()
        inner = [child for child in message if isinstance(child.tag, str)]
        if len(inner) != 1:
            raise _EnvelopeError(f"{service} takes one XML document in nfcomDadosMsg")
        document = etree.fromstring(etree.tostring(inner[0]))  # its own document, as SVRS reads it
        etree.cleanup_namespaces(document)
        return document

    def _record(self, violation: str) -> None:
        with self._lock:
            self.violations.append(violation)

    # --- NFComRecepcao ------------------------------------------------------------------
    def _recepcao(self, packed: str, paralysed: int | None):
        now = self.now()
        try:
            document = gzip.decompress(base64.b64decode(packed, validate=True))
        except (binascii.Error, ValueError, OSError, EOFError):
            return self._ret_nfcom(244, "Rejeição: Falha na descompactação da área de dados")
        if paralysed:
            return self._ret_nfcom(paralysed, PARALYSED[paralysed])
        if len(document) > MAX_DATA:
            return self._ret_nfcom(
                214, "Rejeição: Tamanho da mensagem excedeu o limite estabelecido"
            )
        try:
            root = etree.fromstring(document, etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            return self._ret_nfcom(243, "Rejeição: XML Mal Formado")
        try:
            self._check_data_area(document, root, "nfcom_v1.00.xsd")
            key, digest = self._check_nfcom(root, now)
        except Refusal as refusal:
            return self._ret_nfcom(refusal.status, refusal.reason)
        with self.registry.lock:
            return self._authorize(root, key, digest, now)

    def _check_data_area(self, document: bytes, root, schema: str) -> None:
        """Group C of MOC Visão Geral 4.1.4."""
        for refusal in (checks.data_area_problem(document), checks.namespace_problem(root)):
            if refusal:
                raise refusal
        wrong = checks.schema_errors(schema, root)
        if wrong:
            raise Refusal(215, "Rejeição: Falha no schema XML " + wrong[0])

    def _check_nfcom(self, root, now: datetime) -> tuple[str, str]:
        """Groups D, E (signature) and G's first rules (Anexo I 2.2): (key, digest value)."""
        refusal, signer_cnpj = checks.signature_problem(
            root, "infNFCom", self.ca_pem, now, self.verifier
        )
        if refusal:
            raise refusal
        information = root.find(f"{{{NFCOM_NS}}}infNFCom")
        issuer = information.findtext(f"{{{NFCOM_NS}}}emit/{{{NFCOM_NS}}}CNPJ") or ""
        if issuer[:8] != signer_cnpj[:8]:
            raise Refusal(
                213, "Rejeição: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado Digital"
            )
        if information.findtext(f"{{{NFCOM_NS}}}ide/{{{NFCOM_NS}}}tpAmb") != self.environment:
            raise Refusal(252, "Rejeição: Ambiente informado diverge do Ambiente de recebimento")
        key = checks.composed_key(information)
        if information.get("Id") != "NFCom" + key:
            raise Refusal(227, "Rejeição: Erro na composição do Campo ID")
        if checks.check_digit(key[:43]) != int(key[43]):
            raise Refusal(253, "Rejeição: Digito Verificador da chave de acesso composta inválido")
        digest = root.findtext(".//{http://www.w3.org/2000/09/xmldsig#}DigestValue")
        return key, digest

    def _authorize(self, root, key: str, digest: str, now: datetime):
        """G39/G40 (539, 204) against the database, else 100 with a new protocol."""
        registry = self.registry
        number = (key[6:20], key[20:22], key[22:25], key[25:34])  # CNPJ, mod, série, nNF
        known = registry.by_key.get(key) or registry.by_key.get(registry.by_number.get(number, ""))
        if known is not None:
            when = xml_instant(known.received_at)
            if known.key != key:
                reason = (
                    "Rejeição: Duplicidade de NFCom, com diferença na Chave de Acesso "
                    f"[chNFCom: {known.key}][nProt:{known.protocol}][dhAut: {when}]"
                )
                return self._ret_nfcom(539, reason, key, now)
            reason = f"Rejeição: Duplicidade de NFCom [nProt:{known.protocol}][dhAut: {when}]"
            return self._ret_nfcom(204, reason, key, now)
        protocol = registry.next_protocol(key[:2])
        answer = self._ret_nfcom(100, "Autorizado o uso da NFCom", key, now, protocol, digest)
        kept = answer.find(f"{{{NFCOM_NS}}}protNFCom")
        registry.by_key[key] = Authorization(key, protocol, now, etree.tostring(kept))
        registry.by_number[number] = key
        return answer

    def _ret_nfcom(self, status, reason, key=None, now=None, protocol=None, digest=None):
        answer = _element("retNFCom", versao=VERSION)
        _add(answer, "tpAmb", self.environment)
        _add(answer, "cUF", RS)
        _add(answer, "verAplic", VER_APLIC)
        _add(answer, "cStat", str(status))
        _add(answer, "xMotivo", reason)
        if key is not None:  # the document was read: its protocol, even for a rejection
            answer.append(self._prot_nfcom(status, reason, key, now, protocol, digest))
        return answer

    def _prot_nfcom(self, status, reason, key, now, protocol=None, digest=None):
        prot = _element("protNFCom", versao=VERSION)
        information = _add(prot, "infProt")
        _add(information, "tpAmb", self.environment)
        _add(information, "verAplic", VER_APLIC)
        _add(information, "chNFCom", key)
        _add(information, "dhRecbto", xml_instant(now))
        if protocol:
            _add(information, "nProt", protocol)
            _add(information, "digVal", digest)
        _add(information, "cStat", str(status))
        _add(information, "xMotivo", reason)
        return prot

    # --- NFComConsulta ------------------------------------------------------------------
    def _consulta(self, query, paralysed: int | None):
        if paralysed:
            return self._ret_cons_sit(paralysed, PARALYSED[paralysed])
        try:
            self._check_data_area(etree.tostring(query), query, "consSitNFCom_v1.00.xsd")
        except Refusal as refusal:
            return self._ret_cons_sit(refusal.status, refusal.reason)
        if query.findtext(f"{{{NFCOM_NS}}}tpAmb") != self.environment:
            return self._ret_cons_sit(
                252, "Rejeição: Ambiente informado diverge do Ambiente de recebimento"
            )
        key = query.findtext(f"{{{NFCOM_NS}}}chNFCom")
        problem = checks.key_problem(key)
        if problem:
            return self._ret_cons_sit(
                236, f"Rejeição: Chave de Acesso inválida [Motivo: {problem}]"
            )
        known = self.authorization(key)
        if known is None:
            return self._ret_cons_sit(217, "Rejeição: NFCom não consta na base de dados da SEFAZ")
        if known.cancelled_at is not None:
            return self._ret_cons_sit(101, "Cancelamento de NFCom homologado", known)
        return self._ret_cons_sit(100, "Autorizado o uso da NFCom", known)

    def _ret_cons_sit(self, status, reason, known: Authorization | None = None):
        answer = _element("retConsSitNFCom", versao=VERSION)
        _add(answer, "tpAmb", self.environment)
        _add(answer, "verAplic", VER_APLIC)
        _add(answer, "cStat", str(status))
        _add(answer, "xMotivo", reason)
        _add(answer, "cUF", RS)
        if known is not None:
            answer.append(etree.fromstring(known.protocol_xml))
            for event, registered in known.events:
                # retConsSitNFCom's procEventoNFCom holds one xs:any: the whole procEventoNFCom
                # (consSitNFComTiposBasico_v1.00.xsd), so the document sits inside the wrapper
                proc = _element("procEventoNFCom", versao=VERSION)
                proc.append(etree.fromstring(etree.tostring(event)))
                proc.append(etree.fromstring(etree.tostring(registered)))
                _add(answer, "procEventoNFCom").set("versao", VERSION)
                answer[-1].append(proc)
        return answer

    # --- NFComStatusServico -------------------------------------------------------------
    def _status(self, query, paralysed: int | None):
        status, reason = (
            (paralysed, PARALYSED[paralysed]) if paralysed else (107, "Serviço em Operação")
        )
        try:
            self._check_data_area(etree.tostring(query), query, "consStatServNFCom_v1.00.xsd")
        except Refusal as refusal:
            status, reason = refusal.status, refusal.reason
        if status == 107 and query.findtext(f"{{{NFCOM_NS}}}tpAmb") != self.environment:
            status, reason = 252, "Rejeição: Ambiente informado diverge do Ambiente de recebimento"
        answer = _element("retConsStatServNFCom", versao=VERSION)
        _add(answer, "tpAmb", self.environment)
        _add(answer, "verAplic", VER_APLIC)
        _add(answer, "cStat", str(status))
        _add(answer, "xMotivo", reason)
        _add(answer, "cUF", RS)
        _add(answer, "dhRecbto", xml_instant(self.now()))
        if status == 107:
            _add(answer, "tMed", "1")
        return answer

    # --- NFComRecepcaoEvento ------------------------------------------------------------
    def _evento(self, event, paralysed: int | None):
        now = self.now()
        organ = event.findtext(f"{{{NFCOM_NS}}}infEvento/{{{NFCOM_NS}}}cOrgao") or RS
        if paralysed:
            return self._ret_evento(organ, paralysed, PARALYSED[paralysed])
        try:
            self._check_data_area(etree.tostring(event), event, "eventoNFCom_v1.00.xsd")
            with self.registry.lock:
                return self._register_event(event, organ, now)
        except Refusal as refusal:
            return self._ret_evento(organ, refusal.status, refusal.reason)

    def _register_event(self, event, organ: str, now: datetime):
        """MOC Visão Geral 5.1.5 (K) and 6.1.1 (L), in their order."""
        n = f"{{{NFCOM_NS}}}"
        information = event.find(f"{n}infEvento")
        kind = information.findtext(f"{n}tpEvento")
        key = information.findtext(f"{n}chNFCom")
        sequence = information.findtext(f"{n}nSeqEvento")
        refusal, signer_cnpj = checks.signature_problem(
            event, "infEvento", self.ca_pem, now, self.verifier
        )
        if refusal:
            raise refusal
        author = information.findtext(f"{n}CNPJ")
        if author[:8] != signer_cnpj[:8]:
            raise Refusal(
                213, "Rejeição: CNPJ-Base do Emitente difere do CNPJ-Base do Certificado Digital"
            )
        if information.findtext(f"{n}tpAmb") != self.environment:
            raise Refusal(252, "Rejeição: Ambiente informado diverge do Ambiente de recebimento")
        if organ != key[:2]:
            raise Refusal(226, "Rejeição: Código da UF do Emitente diverge da UF autorizadora")
        # FP04: 55 characters, "ID" + tpEvento + chNFCom + nSeqEvento in 3 digits (MOC Visão
        # Geral 1.00a 5.1; eventoNFComTiposBasico_v1.00.xsd's Id: "compor 3 digitos")
        if information.get("Id") != f"ID{kind}{key}{sequence.zfill(3)}":
            raise Refusal(
                628,
                "Rejeição: Erro Atributo ID do evento não corresponde à concatenação dos campos "
                "(“ID” + tpEvento + chNFCom + nSeqEvento)",
            )
        if kind != CANCEL:
            raise Refusal(629, "Rejeição: O tpEvento informado inválido")
        detail = [
            child for child in information.find(f"{n}detEvento") if isinstance(child.tag, str)
        ]
        if len(detail) != 1 or checks.schema_errors("evCancNFCom_v1.00.xsd", detail[0]):
            raise Refusal(630, "Rejeição: Falha no Schema XML específico para o evento")
        problem = checks.key_problem(key)
        if problem:
            raise Refusal(236, f"Rejeição: Chave de Acesso inválida [Motivo: {problem}]")
        if author != key[6:20]:
            raise Refusal(632, "Rejeição: O autor do evento diverge do emissor da NFCom")
        known = self.registry.by_key.get(key)
        if known is None:
            raise Refusal(217, "Rejeição: NFCom não consta na base de dados da SEFAZ")
        registered = self.registry.events.get((kind, key, sequence))
        if registered:
            raise Refusal(
                631,
                f"Rejeição: Duplicidade de evento [nProt:{registered[0]}]"
                f"[dhRegEvento: {xml_instant(registered[1])}]",
            )
        when = datetime.fromisoformat(information.findtext(f"{n}dhEvento"))
        if when < known.received_at - TOLERANCE:
            raise Refusal(
                637,
                "Rejeição: A data do evento não pode ser menor que a data de autorização da NFCom",
            )
        if when > now + TOLERANCE:
            raise Refusal(
                635, "Rejeição: A data do evento não pode ser maior que a data do processamento"
            )
        if sequence != "1":
            raise Refusal(636, "Rejeição: O número sequencial do evento é maior que o permitido")
        if known.cancelled_at is not None:
            raise Refusal(
                218,
                "Rejeição: NFCom já está cancelada na base de dados da SEFAZ. "
                f"[nProt:{known.cancel_protocol}][dhCanc: {xml_instant(known.cancelled_at)}].",
            )
        if detail[0].findtext(f"{n}nProt") != known.protocol:
            raise Refusal(222, "Rejeição: Protocolo de Autorização de Uso difere do cadastrado")
        if now > cancel_deadline(known.received_at) + TOLERANCE:
            raise Refusal(
                220,
                "Rejeição: Vedado cancelamento de NFCom com data/hora de autorização anterior "
                "ao prazo permitido",
            )
        protocol = self.registry.next_protocol(key[:2])
        self.registry.events[(kind, key, sequence)] = (protocol, now)
        known.cancel_protocol, known.cancelled_at = protocol, now
        answer = self._ret_evento(organ, 135, "Evento registrado e vinculado a NFCom")
        information = answer.find(f"{n}infEvento")
        known.events.append((event, answer))  # consulted as procEventoNFCom (MOC 4.3.2 DR09)
        for name, value in (
            ("chNFCom", key),
            ("tpEvento", kind),
            ("xEvento", "Cancelamento"),
            ("nSeqEvento", sequence),
            ("dhRegEvento", xml_instant(now)),
            ("nProt", protocol),
        ):
            _add(information, name, value)
        return answer

    def _ret_evento(self, organ: str, status: int, reason: str):
        answer = _element("retEventoNFCom", versao=VERSION)
        information = _add(answer, "infEvento")
        _add(information, "tpAmb", self.environment)
        _add(information, "verAplic", VER_APLIC)
        _add(information, "cOrgao", organ)
        _add(information, "cStat", str(status))
        _add(information, "xMotivo", reason)
        return answer


def cancel_deadline(authorized_at: datetime) -> datetime:
    """MOC Visão Geral 6.1.1 L11: an NFCom can be cancelled until 120 hours into the month after
    the one it was authorized in (Brasília time)."""
    local = authorized_at.astimezone(BRASILIA)
    next_month = (local.replace(day=28) + timedelta(days=4)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return next_month + CANCEL_HOURS


class _EnvelopeError(Exception):
    """The SOAP message itself is wrong: answered with a SOAP fault, not a cStat."""


def _element(name: str, **attributes):
    return etree.Element(f"{{{NFCOM_NS}}}{name}", attributes, nsmap={None: NFCOM_NS})


def _add(parent, name: str, text: str | None = None):
    child = etree.SubElement(parent, f"{{{NFCOM_NS}}}{name}")
    if text is not None:
        child.text = text
    return child


def _envelope(service: str, answer) -> Response:
    envelope = etree.Element(f"{{{SOAP12_NS}}}Envelope", nsmap={"soap": SOAP12_NS})
    body = etree.SubElement(envelope, f"{{{SOAP12_NS}}}Body")
    namespace = WSDL_NS + service
    result = etree.SubElement(body, f"{{{namespace}}}nfcomResultMsg", nsmap={None: namespace})
    result.append(answer)
    return Response(
        etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
        status=200,
        content_type="application/soap+xml; charset=utf-8",
    )


def _fault(status: int, code: str, reason: str) -> Response:
    envelope = etree.Element(f"{{{SOAP12_NS}}}Envelope", nsmap={"soap": SOAP12_NS})
    fault = etree.SubElement(
        etree.SubElement(envelope, f"{{{SOAP12_NS}}}Body"), f"{{{SOAP12_NS}}}Fault"
    )
    code_element = etree.SubElement(fault, f"{{{SOAP12_NS}}}Code")
    etree.SubElement(code_element, f"{{{SOAP12_NS}}}Value").text = f"soap:{code}"
    text = etree.SubElement(
        etree.SubElement(fault, f"{{{SOAP12_NS}}}Reason"), f"{{{SOAP12_NS}}}Text"
    )
    text.text = reason
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "pt-BR")
    return Response(
        etree.tostring(envelope, xml_declaration=True, encoding="utf-8"),
        status=status,
        content_type="application/soap+xml; charset=utf-8",
    )


def _drop(environ) -> None:
    """Close the client's connection without a word (the work was done)."""
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
        connection.close()

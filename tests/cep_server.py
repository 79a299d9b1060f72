"""A ViaCEP-compatible provider for tests: a real HTTP server in a thread, one answer per CEP."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FOUND, UNKNOWN, SLOW, FAILING, GARBAGE, MALFORMED = (
    "04538133",
    "99999999",
    "11111111",
    "22222222",
    "33333333",
    "44444444",
)
SLOW_S = 2.0  # beyond the timeout tests set
FOUND_ANSWER = {
    "cep": "04538-133",
    "logradouro": "Avenida Brigadeiro Faria Lima",
    "complemento": "de 3252 ao fim - lado par",
    "bairro": "Itaim Bibi",
    "localidade": "São Paulo",
    "uf": "SP",
    "ibge": "3550308",
}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.paths.append(self.path)
        cep = self.path.strip("/").split("/")[-2]  # {base}/{cep}/json/
        if cep == SLOW:
            time.sleep(SLOW_S)
        if cep == FAILING:
            return self._send(500, b"Internal Server Error", "text/plain")
        if cep == GARBAGE:
            return self._send(200, b"<html>not json</html>", "text/html")
        if cep == MALFORMED:
            answer = {"cep": "44444-444", "localidade": "Lugar", "uf": "XX"}
        elif cep in (FOUND, SLOW):
            answer = {**FOUND_ANSWER, "cep": f"{cep[:5]}-{cep[5:]}"}
        else:
            answer = {"erro": "true"}  # ViaCEP's newer answer; older ones send true
        return self._send(200, json.dumps(answer).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the slow answer): what a timeout does

    def log_message(self, *_args):  # keep the test output quiet
        pass


class CepServer:
    """Serve on 127.0.0.1 (a free port) while in a `with`; `url` is the provider's base."""

    def __enter__(self) -> "CepServer":
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.paths = []
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/ws"

    @property
    def paths(self) -> list[str]:
        return self.server.paths

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()

"""The default e-mail templates (Brazilian Portuguese) and the variables templates may use.

The migration seeds a copy of DEFAULTS; an admin changes them through /api/v1/email-templates.
Every value is a ready-made string (amounts and dates already in Brazilian format) except
`stage` and `days_overdue`, whole numbers a template may compare (`{% if stage >= 20 %}`).
"""

VARIABLES = {
    "isp_name": "Nome do provedor (setting ISP_NAME)",
    "customer_name": "Nome do cliente",
    "customer_code": "Código do cliente",
    "description": "Descrição da cobrança (ex.: Mensalidade 03/2026)",
    "amount": "Valor no formato brasileiro: R$ 1.234,56",
    "due_date": "Vencimento, dd/mm/aaaa",
    "payable_until": "Último dia para pagar sem atraso (o vencimento levado ao próximo dia útil)",
    "linha_digitavel": "Linha digitável do boleto (47 dígitos, formatada; vazia sem boleto)",
    "pix_code": "Código PIX copia e cola (vazio quando não há chave PIX)",
    "payment_method": (
        "Como o cliente paga esta fatura: boleto (há linha digitável), card (cartão), "
        "bank_debit (débito em conta) ou phone_bill_debit (conta telefônica)"
    ),
    "stage": "Etapa do aviso: os dias de atraso configurados (3, 10, 20...); número",
    "days_overdue": "Dias de atraso hoje (úteis ou corridos, conforme a configuração); número",
    "days_kind": "Como os dias de atraso são contados: úteis ou corridos",
    "suspension_date": "Data a partir da qual o serviço será suspenso, dd/mm/aaaa",
    "notice_days": "Dias corridos entre este aviso e a etapa que ele anuncia; número",
    "stage_date": "Data a partir da qual a etapa anunciada (redução, suspensão, cancelamento) vale",
    "speed_percent": "Percentual da velocidade contratada mantido na redução; número",
    "next_stage": "O que vem depois se a dívida continuar (texto; vazio na última etapa)",
}

_BOLETO_SAMPLE = {
    "isp_name": "Provedor Exemplo",
    "customer_name": "Maria da Silva",
    "customer_code": 1234,
    "description": "Mensalidade 03/2026 - Plano 300 Mega",
    "amount": "R$ 1.234,56",
    "due_date": "10/03/2026",
    "payable_until": "10/03/2026",
    "linha_digitavel": "00190.00009 01234.567004 00000.001170 1 13840000123456",
    "pix_code": "00020101021226...6304ABCD",
}
# Rendering a template against its sample proves it uses only variables that exist.
SAMPLE_CONTEXT = {
    "boleto": _BOLETO_SAMPLE,
    "overdue_notice": {
        **_BOLETO_SAMPLE,
        "payment_method": "boleto",
        "stage": 10,
        "days_overdue": 10,
        "days_kind": "úteis",
    },
    "suspension_notice": {
        **_BOLETO_SAMPLE,
        "payment_method": "boleto",
        "days_overdue": 16,
        "days_kind": "corridos",
        "suspension_date": "11/04/2026",
        "stage_date": "11/04/2026",
        "notice_days": 15,
        "next_stage": "",
    },
    "reduction_notice": {
        **_BOLETO_SAMPLE,
        "payment_method": "boleto",
        "days_overdue": 16,
        "days_kind": "corridos",
        "stage_date": "11/04/2026",
        "notice_days": 15,
        "speed_percent": 50,
        "next_stage": "a suspensão total do serviço",
    },
    "termination_notice": {
        **_BOLETO_SAMPLE,
        "payment_method": "boleto",
        "days_overdue": 76,
        "days_kind": "corridos",
        "stage_date": "10/06/2026",
        "notice_days": 15,
        "next_stage": "",
    },
}

_BOLETO_TEXT = """Olá, {{ customer_name }}.

Sua fatura {{ description }} já está disponível.

Valor: {{ amount }}
Vencimento: {{ due_date }}
Linha digitável: {{ linha_digitavel }}
{% if pix_code %}
Pague com PIX (copia e cola):
{{ pix_code }}
{% endif %}
O boleto segue em anexo (PDF).

Se já pagou, por favor desconsidere esta mensagem.

Atenciosamente,
{{ isp_name }}
"""

_BOLETO_HTML = """<p>Olá, {{ customer_name }}.</p>
<p>Sua fatura <strong>{{ description }}</strong> já está disponível.</p>
<table>
  <tr><td>Valor:</td><td><strong>{{ amount }}</strong></td></tr>
  <tr><td>Vencimento:</td><td><strong>{{ due_date }}</strong></td></tr>
  <tr><td>Linha digitável:</td><td><code>{{ linha_digitavel }}</code></td></tr>
</table>
{% if pix_code %}<p>Pague com PIX (copia e cola):<br><code>{{ pix_code }}</code></p>{% endif %}
<p>O boleto segue em anexo (PDF).</p>
<p>Se já pagou, por favor desconsidere esta mensagem.</p>
<p>Atenciosamente,<br>{{ isp_name }}</p>
"""

_OVERDUE_TEXT = """Olá, {{ customer_name }}.

Não identificamos o pagamento da fatura {{ description }}, de {{ amount }}, \
vencida em {{ due_date }} ({{ days_overdue }} dias {{ days_kind }} de atraso).

{% if linha_digitavel %}Linha digitável: {{ linha_digitavel }}
{% if pix_code %}
PIX (copia e cola):
{{ pix_code }}
{% endif %}{% elif payment_method == "card" %}\
A fatura é cobrada no seu cartão de crédito e a cobrança não foi aprovada. \
Confira o limite e a validade do cartão, ou fale conosco para pagar de outra forma.
{% elif payment_method == "bank_debit" %}\
A fatura é cobrada por débito automático em conta e o débito não foi feito. \
Confira o saldo da conta, ou fale conosco para pagar de outra forma.
{% else %}\
A fatura é cobrada na sua conta telefônica e o pagamento não foi confirmado. \
Fale conosco para regularizar.
{% endif %}{% if stage >= 20 %}
Evite a suspensão do serviço: regularize o pagamento o quanto antes.
{% endif %}
Se já pagou, por favor desconsidere esta mensagem.

Atenciosamente,
{{ isp_name }}
"""

_OVERDUE_HTML = """<p>Olá, {{ customer_name }}.</p>
<p>Não identificamos o pagamento da fatura <strong>{{ description }}</strong>, de
<strong>{{ amount }}</strong>, vencida em <strong>{{ due_date }}</strong>
({{ days_overdue }} dias {{ days_kind }} de atraso).</p>
{% if linha_digitavel %}<p>Linha digitável: <code>{{ linha_digitavel }}</code></p>
{% if pix_code %}<p>PIX (copia e cola):<br><code>{{ pix_code }}</code></p>{% endif %}
{% elif payment_method == "card" %}<p>A fatura é cobrada no seu cartão de crédito e a cobrança
não foi aprovada. Confira o limite e a validade do cartão, ou fale conosco para pagar de outra
forma.</p>
{% elif payment_method == "bank_debit" %}<p>A fatura é cobrada por débito automático em conta e
o débito não foi feito. Confira o saldo da conta, ou fale conosco para pagar de outra forma.</p>
{% else %}<p>A fatura é cobrada na sua conta telefônica e o pagamento não foi confirmado. Fale
conosco para regularizar.</p>
{% endif %}
{% if stage >= 20 %}<p><strong>Evite a suspensão do serviço: regularize o pagamento o quanto
antes.</strong></p>{% endif %}
<p>Se já pagou, por favor desconsidere esta mensagem.</p>
<p>Atenciosamente,<br>{{ isp_name }}</p>
"""

_SUSPENSION_TEXT = """Olá, {{ customer_name }}.

AVISO DE SUSPENSÃO DO SERVIÇO

Não identificamos o pagamento da fatura {{ description }}, de {{ amount }}, \
vencida em {{ due_date }} ({{ days_overdue }} dias {{ days_kind }} de atraso).

Se o pagamento não for identificado até lá, o serviço será suspenso a partir de \
{{ suspension_date }} ({{ notice_days }} dias corridos após este aviso).

{% if linha_digitavel %}Linha digitável: {{ linha_digitavel }}
{% if pix_code %}
PIX (copia e cola):
{{ pix_code }}
{% endif %}{% else %}Fale conosco para regularizar o pagamento.
{% endif %}
Se já pagou, por favor desconsidere esta mensagem.

Atenciosamente,
{{ isp_name }}
"""

_SUSPENSION_HTML = """<p>Olá, {{ customer_name }}.</p>
<p><strong>AVISO DE SUSPENSÃO DO SERVIÇO</strong></p>
<p>Não identificamos o pagamento da fatura <strong>{{ description }}</strong>, de
<strong>{{ amount }}</strong>, vencida em <strong>{{ due_date }}</strong>
({{ days_overdue }} dias {{ days_kind }} de atraso).</p>
<p>Se o pagamento não for identificado até lá, o serviço será suspenso a partir de
<strong>{{ suspension_date }}</strong> ({{ notice_days }} dias corridos após este aviso).</p>
{% if linha_digitavel %}<p>Linha digitável: <code>{{ linha_digitavel }}</code></p>
{% if pix_code %}<p>PIX (copia e cola):<br><code>{{ pix_code }}</code></p>{% endif %}
{% else %}<p>Fale conosco para regularizar o pagamento.</p>
{% endif %}
<p>Se já pagou, por favor desconsidere esta mensagem.</p>
<p>Atenciosamente,<br>{{ isp_name }}</p>
"""

_PAY = """{% if linha_digitavel %}Linha digitável: {{ linha_digitavel }}
{% if pix_code %}
PIX (copia e cola):
{{ pix_code }}
{% endif %}{% else %}Fale conosco para regularizar o pagamento.
{% endif %}
Se já pagou, por favor desconsidere esta mensagem.

Atenciosamente,
{{ isp_name }}
"""

_PAY_HTML = """{% if linha_digitavel %}<p>Linha digitável: <code>{{ linha_digitavel }}</code></p>
{% if pix_code %}<p>PIX (copia e cola):<br><code>{{ pix_code }}</code></p>{% endif %}
{% else %}<p>Fale conosco para regularizar o pagamento.</p>
{% endif %}
<p>Se já pagou, por favor desconsidere esta mensagem.</p>
<p>Atenciosamente,<br>{{ isp_name }}</p>
"""

_REDUCTION_TEXT = (
    """Olá, {{ customer_name }}.

AVISO DE REDUÇÃO DA VELOCIDADE (SUSPENSÃO PARCIAL)

Não identificamos o pagamento da fatura {{ description }}, de {{ amount }}, \
vencida em {{ due_date }} ({{ days_overdue }} dias {{ days_kind }} de atraso).

Se o pagamento não for identificado até lá, a partir de {{ stage_date }} \
({{ notice_days }} dias corridos após este aviso) a velocidade da sua conexão será reduzida \
a {{ speed_percent }}% da contratada, até o pagamento. Enquanto durar a redução, a \
mensalidade é cobrada na proporção do serviço prestado.
{% if next_stage %}Se a dívida continuar, a etapa seguinte é {{ next_stage }}, \
com novo aviso antes.
{% endif %}
"""
    + _PAY
)

_REDUCTION_HTML = (
    """<p>Olá, {{ customer_name }}.</p>
<p><strong>AVISO DE REDUÇÃO DA VELOCIDADE (SUSPENSÃO PARCIAL)</strong></p>
<p>Não identificamos o pagamento da fatura <strong>{{ description }}</strong>, de
<strong>{{ amount }}</strong>, vencida em <strong>{{ due_date }}</strong>
({{ days_overdue }} dias {{ days_kind }} de atraso).</p>
<p>Se o pagamento não for identificado até lá, a partir de <strong>{{ stage_date }}</strong>
({{ notice_days }} dias corridos após este aviso) a velocidade da sua conexão será reduzida a
<strong>{{ speed_percent }}%</strong> da contratada, até o pagamento. Enquanto durar a redução,
a mensalidade é cobrada na proporção do serviço prestado.</p>
{% if next_stage %}<p>Se a dívida continuar, a etapa seguinte é {{ next_stage }}, com novo
aviso antes.</p>{% endif %}
"""
    + _PAY_HTML
)

_TERMINATION_TEXT = (
    """Olá, {{ customer_name }}.

AVISO DE CANCELAMENTO DO CONTRATO

O serviço está suspenso pela falta de pagamento da fatura {{ description }}, de {{ amount }}, \
vencida em {{ due_date }} ({{ days_overdue }} dias {{ days_kind }} de atraso).

Se o pagamento não for identificado até lá, o contrato poderá ser cancelado a partir de \
{{ stage_date }} ({{ notice_days }} dias corridos após este aviso). O cancelamento não \
extingue a dívida.

"""
    + _PAY
)

_TERMINATION_HTML = (
    """<p>Olá, {{ customer_name }}.</p>
<p><strong>AVISO DE CANCELAMENTO DO CONTRATO</strong></p>
<p>O serviço está suspenso pela falta de pagamento da fatura <strong>{{ description }}</strong>,
de <strong>{{ amount }}</strong>, vencida em <strong>{{ due_date }}</strong>
({{ days_overdue }} dias {{ days_kind }} de atraso).</p>
<p>Se o pagamento não for identificado até lá, o contrato poderá ser cancelado a partir de
<strong>{{ stage_date }}</strong> ({{ notice_days }} dias corridos após este aviso). O
cancelamento não extingue a dívida.</p>
"""
    + _PAY_HTML
)

DEFAULTS = {
    "boleto": {
        "subject": "{{ isp_name }}: sua fatura vence em {{ due_date }}",
        "text_body": _BOLETO_TEXT,
        "html_body": _BOLETO_HTML,
    },
    "overdue_notice": {
        "subject": "{{ isp_name }}: fatura vencida em {{ due_date }}",
        "text_body": _OVERDUE_TEXT,
        "html_body": _OVERDUE_HTML,
    },
    "suspension_notice": {
        "subject": "{{ isp_name }}: aviso de suspensão em {{ suspension_date }}",
        "text_body": _SUSPENSION_TEXT,
        "html_body": _SUSPENSION_HTML,
    },
    "reduction_notice": {
        "subject": "{{ isp_name }}: aviso de redução da velocidade em {{ stage_date }}",
        "text_body": _REDUCTION_TEXT,
        "html_body": _REDUCTION_HTML,
    },
    "termination_notice": {
        "subject": "{{ isp_name }}: aviso de cancelamento do contrato em {{ stage_date }}",
        "text_body": _TERMINATION_TEXT,
        "html_body": _TERMINATION_HTML,
    },
}

"""Administração: the index of the admins' screens (users, and the lists the ISP keeps).

Each screen is a module of its own (admin_users.py, ...); this page links the ones that exist
and that the signed-in role may read.
"""

from web.console.blueprint import bp, render
from web.permissions import READ
from web.security import requires

# (endpoint, label, area, what it is): the index lists those whose endpoint exists.
SCREENS = (
    ("console.admin_users", "Usuários", "users", "Contas da equipe: perfil, senha, bloqueios."),
    ("console.admin_reasons", "Motivos de cancelamento", "cancel_reasons", "A lista de motivos."),
    ("console.admin_holidays", "Feriados", "holidays", "Feriados locais que adiam vencimentos."),
    ("console.admin_plans", "Planos", "plans", "O catálogo de planos."),
    ("console.admin_tariffs", "Tarifas", "tariffs", "Preços por destino e o recálculo."),
    (
        "console.admin_fields",
        "Campos extras",
        "extra_field_definitions",
        "Campos do cadastro e dos contatos.",
    ),
    (
        "console.admin_fiscal_codes",
        "Códigos de atividade fiscal",
        "fiscal_activity_codes",
        "CNAE e itens de serviço que a opção do cliente escolhe.",
    ),
    (
        "console.admin_billing_accounts",
        "Contas de cobrança",
        "billing_accounts",
        "Bancos, convênios e carteiras dos boletos; a conta padrão.",
    ),
    ("console.admin_templates", "Modelos de e-mail", "notices", "Textos dos avisos."),
    ("console.admin_nas", "NAS", "radius", "Concentradores RADIUS."),
)


@bp.route("/admin", methods=["GET"])
@requires("users", READ)
def admin():
    """The admins' screens."""
    return render("console/admin/index.html", screens=SCREENS)

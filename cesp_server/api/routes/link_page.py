"""The page an e-mailed link opens: ``/compte/initialisation#jeton=...`` (and
``/compte/reinitialisation#...``).

The token is after the ``#``: browsers never send a fragment, so it reaches neither this
server's access log nor a proxy's. The page only tells the user to paste the link (or the
code it shows, read from the fragment by a line of script) into the CESP application:
login screen, F5 « J'ai reçu un lien ».
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>CESP : {title}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>{title}</h1>
<p>Ce lien s'utilise dans l'application CESP : sur l'écran de connexion, touche
<b>F5 « J'ai reçu un lien »</b>, collez-y le lien entier du message, ou ce code :</p>
<p><code id="code" style="font-size: 1.2em; user-select: all">(ouvrez le lien complet
du message)</code></p>
<p>Le lien ne sert qu'une fois et expire après quelques minutes.</p>
<script>
var m = /(?:^#|&)jeton=([^&]+)/.exec(location.hash);
if (m) document.getElementById("code").textContent = decodeURIComponent(m[1]);
</script>
</body></html>
"""

_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@router.get("/compte/initialisation", response_class=HTMLResponse)
def setup_page() -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title="Choisir votre mot de passe"), headers=_HEADERS)


@router.get("/compte/reinitialisation", response_class=HTMLResponse)
def reset_page() -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title="Nouveau mot de passe"), headers=_HEADERS)

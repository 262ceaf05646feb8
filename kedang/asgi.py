import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
application = get_asgi_application()

# With DEBUG off every page would answer 500 without collectstatic's manifest: refuse to start instead.
from kedang.ops.startup import require_static_manifest  # noqa: E402  (needs the settings loaded above)

require_static_manifest()

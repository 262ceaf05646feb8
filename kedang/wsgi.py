import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
application = get_wsgi_application()

# With DEBUG off every page would answer 500 without collectstatic's manifest: refuse to start instead.
from kedang.ops.startup import require_static_manifest  # noqa: E402  (needs the settings loaded above)

require_static_manifest()

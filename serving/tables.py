"""Every table of the service, imported so that Base.metadata is complete (migrations, tests)."""
from serving.analytics import models as analytics_models  # noqa: F401
from serving.auth import models as auth_models  # noqa: F401
from serving.autodispatch import models as autodispatch_models  # noqa: F401
from serving.corrections import models as correction_models  # noqa: F401
from serving.db import Base
from serving.outbox import models as outbox_models  # noqa: F401
from serving.suggestions import models as suggestion_models  # noqa: F401
from serving.tickets import models as ticket_models  # noqa: F401

metadata = Base.metadata

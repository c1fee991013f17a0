"""The documented ``notification_service`` import paths, as aliases of ``notification`` modules.

``notification_service.model.event`` is the module ``notification.event``, and
``notification_service.client.notification_client`` is ``notification.client``
(which holds ``NotificationClient``, ``ListenerProcessor`` and
``ListenerRegistrationId``), so ``isinstance`` holds across both names.
"""

from __future__ import annotations

from aiflow.aliases import install_alias

MODULES = {
    "model.event": "notification.event",
    "client.notification_client": "notification.client",
}
"""The documented module paths below ``notification_service`` and the modules they name."""

install_alias("notification_service", MODULES.get)

"""Holds ``notification_service.model.event``, an alias of :mod:`notification.event`."""

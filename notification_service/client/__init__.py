"""Holds ``notification_service.client.notification_client``, an alias of :mod:`notification.client`."""

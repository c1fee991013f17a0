"""Queries the API server runs on the metadata database.

Every function takes an explicit :class:`~sqlalchemy.orm.Session` and leaves
committing to the caller. A name or id that does not exist raises
:class:`~aiflow.errors.NotFoundError`; a change that clashes with what is
stored raises :class:`~aiflow.errors.ConflictError`.
"""

"""The OpenAPI component schemas: the JSON bodies of the API, field by field.

Every object lists all its fields as required and allows no others, so a
field the server adds or drops without updating this file fails the schema
tests. :mod:`web.records` builds the same objects.
"""

from __future__ import annotations

from typing import Any

from aiflow.model.names import MAX_NAME_LENGTH

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """A reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(**properties: Schema) -> Schema:
    """A closed object whose fields are all required."""
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


def page_of(item: str) -> Schema:
    """A page of a list: ``{"items": [...], "total": n}``."""
    return obj(items={"type": "array", "items": ref(item)}, total=INTEGER)


STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
ID: Schema = {"type": "integer", "minimum": 0}
TEXT_OR_NULL: Schema = {"type": ["string", "null"]}
INTEGER_OR_NULL: Schema = {"type": ["integer", "null"]}
TIME: Schema = {"type": "string", "format": "date-time"}
TIME_OR_NULL: Schema = {"type": ["string", "null"], "format": "date-time"}
PROPERTIES: Schema = {"type": "object", "additionalProperties": True}
_STATE: Schema = {"enum": ["ok", "unreachable"]}
_ROLE: Schema = {"enum": ["admin", "editor", "viewer", "worker"]}
_NAME: Schema = {
    "type": "string",
    "pattern": f"^[A-Za-z0-9_.-]{{1,{MAX_NAME_LENGTH}}}$",
    "description": "letters, digits, '_', '.' and '-'; not '.' and without '..'",
}

_RECORDS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "properties": {
            "error": STRING,
            "detail": STRING,
            "file": STRING,
            "line": INTEGER_OR_NULL,
            "message": STRING,
        },
        "required": ["error", "detail"],
        "additionalProperties": False,
        "description": "Every error; a workflow file that does not load adds file, line and message.",
    },
    "Namespace": obj(name=STRING, properties=PROPERTIES),
    "Workflow": obj(
        id=ID,
        namespace=STRING,
        name=STRING,
        content=STRING,
        description=TEXT_OR_NULL,
        is_enabled=BOOLEAN,
        snapshot_id=INTEGER_OR_NULL,
        create_time=TIME,
        update_time=TIME,
    ),
    "Snapshot": obj(
        id=ID,
        workflow_id=ID,
        uri=TEXT_OR_NULL,
        content_hash=STRING,
        entry=TEXT_OR_NULL,
        task_names={"type": ["array", "null"], "items": STRING},
        create_time=TIME,
    ),
    "WorkflowExecution": obj(
        id=ID,
        workflow_id=ID,
        namespace=STRING,
        workflow_name=STRING,
        snapshot_id=ID,
        execution_type=STRING,
        status=STRING,
        begin_date=TIME_OR_NULL,
        end_date=TIME_OR_NULL,
        error=TEXT_OR_NULL,
        event_offset=INTEGER_OR_NULL,
    ),
    "TaskExecution": obj(
        id=ID,
        workflow_execution_id=ID,
        task_name=STRING,
        sequence_number=INTEGER,
        try_number=INTEGER,
        execution_type=STRING,
        status=STRING,
        begin_date=TIME_OR_NULL,
        end_date=TIME_OR_NULL,
        error=TEXT_OR_NULL,
    ),
    "Schedule": obj(id=ID, workflow_id=ID, expression=STRING, is_paused=BOOLEAN, error=TEXT_OR_NULL,
                    create_time=TIME),
    "Trigger": obj(
        id=ID,
        workflow_id=ID,
        condition={"type": ["object", "null"], "description": "the condition in the plan format (aiflow.plan)"},
        is_paused=BOOLEAN,
        error=TEXT_OR_NULL,
        create_time=TIME,
    ),
    "RejectedEvent": obj(offset=INTEGER, namespace=TEXT_OR_NULL, key=TEXT_OR_NULL, error=STRING, create_time=TIME),
    "Token": {
        **obj(
            name=STRING,
            role=_ROLE,
            namespaces={"type": ["array", "null"], "items": STRING, "description": "null: every namespace"},
            source={"enum": ["config", "database"]},
            create_time=TIME_OR_NULL,
            created_by=TEXT_OR_NULL,
        ),
        "description": "A token, never its secret or hash; config tokens have no create_time or created_by.",
    },
    "Event": obj(
        offset=INTEGER,
        key=STRING,
        value=TEXT_OR_NULL,
        namespace=TEXT_OR_NULL,
        sender=TEXT_OR_NULL,
        context=TEXT_OR_NULL,
        create_time=INTEGER,
    ),
    "Health": obj(status={"const": "ok"}, database={"const": "ok"}, bus={"const": "ok"}),
    "HealthUnavailable": {
        **obj(error={"const": "unavailable"}, detail=STRING, database=_STATE, bus=_STATE),
        "description": "The database or the event bus (or both) does not answer.",
    },
    "Version": obj(version=STRING),
    "ExecutionStarted": obj(id=ID),
    "CommandAccepted": obj(command=STRING, offset=INTEGER),
    "Deleted": obj(deleted=INTEGER),
    "Count": obj(count=INTEGER),
    "LogPage": obj(
        lines={"type": "array", "items": STRING},
        next={"type": "string", "description": "cursor to pass as 'after' for the next page"},
        finished=BOOLEAN,
        try_number=INTEGER,
    ),
}

_RECORDS["NewTokenSecret"] = {
    **_RECORDS["Token"],
    "properties": {**_RECORDS["Token"]["properties"], "token": {"type": "string", "description": "shown once"}},
    "required": [*_RECORDS["Token"]["required"], "token"],
    "description": "The token just added, with its secret: send it as 'Authorization: Bearer <token>'.",
}

_RECORDS["WorkflowUpload"] = {
    **_RECORDS["Workflow"],
    "properties": {**_RECORDS["Workflow"]["properties"], "snapshot": ref("Snapshot")},
    "required": [*_RECORDS["Workflow"]["required"], "snapshot"],
}

_BODIES: dict[str, Schema] = {
    "NewNamespace": {
        "type": "object",
        "properties": {"name": _NAME, "properties": {"type": ["object", "null"]}},
        "required": ["name"],
    },
    "NewToken": {
        "type": "object",
        "properties": {
            "name": _NAME,
            "role": _ROLE,
            "namespaces": {"type": ["array", "null"], "items": _NAME,
                           "description": "absent or null: every namespace; []: none; not for admin tokens"},
        },
        "required": ["name", "role"],
    },
    "NamespaceUpdate": {"type": "object", "properties": {"properties": {"type": ["object", "null"]}}},
    "Upload": {
        "type": "object",
        "properties": {
            "package": {"type": "string", "format": "binary", "description": "zip of the workflow file and its files"},
            "entry": {"type": "string", "description": "the workflow file in the zip; default: the only top-level .py"},
            "name": {"type": "string", "description": "the workflow to store; default: the only one in the file"},
        },
        "required": ["package"],
    },
    "NewSchedule": {
        "type": "object",
        "properties": {"expression": {"type": "string", "description": "cron@<crontab> or interval@<d h m s>"}},
        "required": ["expression"],
    },
    "NewTrigger": {
        "type": "object",
        "properties": {
            "condition": {"type": "object", "description": "the condition in the plan format (aiflow.plan): "
                          "kind event, task_status or custom (whose pickled code is checked in a sandbox)"},
            "rule": {"type": "string", "description": "older clients: base64 of a cloudpickled WorkflowRule"},
        },
    },
    "NewEvent": {
        "type": "object",
        "properties": {
            "key": {"type": "string", "description": "keys starting with 'aiflow.' are reserved"},
            "value": TEXT_OR_NULL,
            "sender": TEXT_OR_NULL,
            "context": TEXT_OR_NULL,
        },
        "required": ["key"],
    },
}

SCHEMAS: dict[str, Schema] = {
    **_RECORDS,
    **{f"{name}Page": page_of(name) for name in ("Namespace", "Workflow", "Snapshot", "WorkflowExecution")},
    **{f"{name}Page": page_of(name) for name in ("TaskExecution", "Schedule", "Trigger", "Event", "RejectedEvent")},
    "TokenPage": page_of("Token"),
    **_BODIES,
}

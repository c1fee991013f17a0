package org.aiflow.client;

import java.util.Map;

/** A trigger that starts executions of a workflow when events meet its condition. */
public final class WorkflowEventTriggerMeta extends AttachmentMeta {
    /** Read from the server's JSON. */
    public WorkflowEventTriggerMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** Its condition in the plan format (a JSON object), or null when stored unreadable. */
    public Map<String, Object> getCondition() {
        return object("condition");
    }
}

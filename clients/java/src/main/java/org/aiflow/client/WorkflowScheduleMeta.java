package org.aiflow.client;

import java.util.Map;

/** A schedule that starts executions of a workflow at {@code cron@...} or {@code interval@...} times. */
public final class WorkflowScheduleMeta extends AttachmentMeta {
    /** Read from the server's JSON. */
    public WorkflowScheduleMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** Its periodic expression. */
    public String getExpression() {
        return text("expression");
    }
}

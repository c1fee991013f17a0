package org.aiflow.client;

import java.util.Map;

/** One run of a workflow, pinned to the snapshot it started with. */
public final class WorkflowExecutionMeta extends ExecutionMeta {
    /** Read from the server's JSON. */
    public WorkflowExecutionMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** The workflow's id. */
    public long getWorkflowId() {
        return number("workflow_id");
    }

    /** The workflow's namespace. */
    public String getNamespace() {
        return text("namespace");
    }

    /** The workflow's name. */
    public String getWorkflowName() {
        return text("workflow_name");
    }

    /** The snapshot it runs. */
    public long getSnapshotId() {
        return number("snapshot_id");
    }

    /** Its status. */
    public WorkflowStatus getStatus() {
        return constant("status", WorkflowStatus.class);
    }

    /** The offset of the event that last changed it, or null. */
    public Long getEventOffset() {
        return optionalNumber("event_offset");
    }
}

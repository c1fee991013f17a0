package org.aiflow.client;

import java.time.Instant;
import java.util.Map;

/** One run of a workflow, pinned to the snapshot it started with. */
public final class WorkflowExecutionMeta extends JsonRecord {
    /** Read from the server's JSON. */
    public WorkflowExecutionMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** The execution's id. */
    public long getId() {
        return number("id");
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

    /** How it was started ({@code MANUAL}, {@code PERIODIC}, {@code EVENT}). */
    public String getExecutionType() {
        return text("execution_type");
    }

    /** Its status. */
    public WorkflowStatus getStatus() {
        return WorkflowStatus.valueOf(text("status"));
    }

    /** When it began, or null. */
    public Instant getBeginDate() {
        return time("begin_date");
    }

    /** When it ended, or null. */
    public Instant getEndDate() {
        return time("end_date");
    }

    /** Why it failed, or null. */
    public String getError() {
        return text("error");
    }

    /** The offset of the event that last changed it, or null. */
    public Long getEventOffset() {
        return optionalNumber("event_offset");
    }
}

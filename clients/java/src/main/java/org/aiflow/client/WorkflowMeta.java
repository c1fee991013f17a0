package org.aiflow.client;

import java.time.Instant;
import java.util.Map;

/** A workflow: its source, whether it may start executions, and the snapshot new executions run. */
public final class WorkflowMeta extends JsonRecord {
    /** Read from the server's JSON. */
    public WorkflowMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** The workflow's id. */
    public long getId() {
        return number("id");
    }

    /** The namespace it belongs to. */
    public String getNamespace() {
        return text("namespace");
    }

    /** Its name. */
    public String getName() {
        return text("name");
    }

    /** The source of its workflow file, or null. */
    public String getContent() {
        return text("content");
    }

    /** Its description, or null. */
    public String getDescription() {
        return text("description");
    }

    /** Whether it may start executions. */
    public boolean isEnabled() {
        return flag("is_enabled");
    }

    /** The snapshot new executions run, or null. */
    public Long getSnapshotId() {
        return optionalNumber("snapshot_id");
    }

    /** When it was first uploaded, or null. */
    public Instant getCreateTime() {
        return time("create_time");
    }

    /** When it last changed, or null. */
    public Instant getUpdateTime() {
        return time("update_time");
    }
}

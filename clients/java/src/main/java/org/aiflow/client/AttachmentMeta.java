package org.aiflow.client;

import java.time.Instant;
import java.util.Map;

/** What schedules and triggers share: they belong to a workflow, may be paused, and may be out of play. */
public abstract class AttachmentMeta extends JsonRecord {
    /** Read from the server's JSON. */
    protected AttachmentMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** Its id. */
    public long getId() {
        return number("id");
    }

    /** The workflow it belongs to. */
    public long getWorkflowId() {
        return number("workflow_id");
    }

    /** Whether it is paused. */
    public boolean isPaused() {
        return flag("is_paused");
    }

    /** Why the scheduler took it out of play, or null while it is in play. */
    public String getError() {
        return text("error");
    }

    /** When it was added, or null. */
    public Instant getCreateTime() {
        return time("create_time");
    }
}

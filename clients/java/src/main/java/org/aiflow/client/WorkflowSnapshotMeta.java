package org.aiflow.client;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One uploaded version of a workflow: where its package is kept, its SHA-256, its workflow file and tasks. */
public final class WorkflowSnapshotMeta extends JsonRecord {
    /** Read from the server's JSON. */
    public WorkflowSnapshotMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** The snapshot's id. */
    public long getId() {
        return number("id");
    }

    /** The workflow it is a version of. */
    public long getWorkflowId() {
        return number("workflow_id");
    }

    /** Where the package is stored. */
    public String getUri() {
        return text("uri");
    }

    /** The SHA-256 of the package (hex). */
    public String getContentHash() {
        return text("content_hash");
    }

    /** The workflow file's path in the package, or null. */
    public String getEntry() {
        return text("entry");
    }

    /** The names of the workflow's tasks, or null. */
    public List<String> getTaskNames() {
        return texts("task_names");
    }

    /** When it was uploaded, or null. */
    public Instant getCreateTime() {
        return time("create_time");
    }
}

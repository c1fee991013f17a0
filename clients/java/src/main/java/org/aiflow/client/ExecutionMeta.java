package org.aiflow.client;

import java.time.Instant;
import java.util.Map;

/** What workflow and task executions share: how they were started, when they began and ended, why they failed. */
public abstract class ExecutionMeta extends JsonRecord {
    /** Read from the server's JSON. */
    protected ExecutionMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** The execution's id. */
    public long getId() {
        return number("id");
    }

    /** What started it ({@code MANUAL}, {@code PERIODIC}, {@code EVENT}). */
    public String getExecutionType() {
        return text("execution_type");
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
}

package org.aiflow.client;

import java.time.Instant;
import java.util.Map;

/** One run of a task: its sequence number among the task's runs and its current try. */
public final class TaskExecutionMeta extends JsonRecord {
    /** Read from the server's JSON. */
    public TaskExecutionMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** The task execution's id. */
    public long getId() {
        return number("id");
    }

    /** The workflow execution it belongs to. */
    public long getWorkflowExecutionId() {
        return number("workflow_execution_id");
    }

    /** The task's name. */
    public String getTaskName() {
        return text("task_name");
    }

    /** Which run of the task this is (1 for the first). */
    public long getSequenceNumber() {
        return number("sequence_number");
    }

    /** Its current try (1 for the first). */
    public long getTryNumber() {
        return number("try_number");
    }

    /** What started it ({@code MANUAL}, {@code PERIODIC}, {@code EVENT}). */
    public String getExecutionType() {
        return text("execution_type");
    }

    /** Its status. */
    public TaskStatus getStatus() {
        return TaskStatus.valueOf(text("status"));
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

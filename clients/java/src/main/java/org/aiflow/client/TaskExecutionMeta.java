package org.aiflow.client;

import java.util.Map;

/** One run of a task: its sequence number among the task's runs and its current try. */
public final class TaskExecutionMeta extends ExecutionMeta {
    /** Read from the server's JSON. */
    public TaskExecutionMeta(Map<String, Object> fields) {
        super(fields);
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

    /** Its status. */
    public TaskStatus getStatus() {
        return constant("status", TaskStatus.class);
    }
}

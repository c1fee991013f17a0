package org.aiflow.client;

/** Where a workflow execution is in its lifecycle. */
public enum WorkflowStatus {
    /** Created; the scheduler has not started it yet. */
    INIT,
    /** Started and not ended. */
    RUNNING,
    /** Every task's latest execution ended well. */
    SUCCESS,
    /** A task's latest execution failed. */
    FAILED,
    /** Stopped by a command. */
    STOPPED;

    /** Whether the execution has ended and will not change again. */
    public boolean isFinished() {
        return this == SUCCESS || this == FAILED || this == STOPPED;
    }
}

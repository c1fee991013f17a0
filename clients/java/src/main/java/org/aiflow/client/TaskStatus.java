package org.aiflow.client;

/** Where a task execution is in its lifecycle. */
public enum TaskStatus {
    /** Created, not yet handed to a worker queue. */
    INIT,
    /** Waiting for a worker. */
    QUEUED,
    /** Running on a worker. */
    RUNNING,
    /** A stop was asked for. */
    STOPPING,
    /** Failed, with retries left. */
    RETRYING,
    /** Ended well. */
    SUCCESS,
    /** Ended badly. */
    FAILED,
    /** Ended by a stop. */
    STOPPED;

    /** Whether the execution has ended and will not change again. */
    public boolean isFinished() {
        return this == SUCCESS || this == FAILED || this == STOPPED;
    }
}

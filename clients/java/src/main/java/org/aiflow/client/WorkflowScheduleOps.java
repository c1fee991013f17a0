package org.aiflow.client;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Workflow schedules: start executions at {@code cron@<crontab>} or {@code interval@<d> <h> <m> <s>} times.
 */
public interface WorkflowScheduleOps extends Ops {
    /**
     * Add a schedule to the workflow; return it.
     *
     * @throws AIFlowException the expression does not parse or can never fire (400), no such workflow (404)
     */
    default WorkflowScheduleMeta addWorkflowSchedule(String expression, String workflowName, String namespace) {
        return Attachments.SCHEDULES.add(api(), Map.of("expression", expression), workflowName, namespace);
    }

    /** The schedule, or empty when there is none. */
    default Optional<WorkflowScheduleMeta> getWorkflowSchedule(long scheduleId) {
        return Attachments.SCHEDULES.get(api(), scheduleId);
    }

    /** Every schedule of the workflow. */
    default List<WorkflowScheduleMeta> listWorkflowSchedules(String workflowName, String namespace) {
        return Attachments.SCHEDULES.list(api(), workflowName, namespace);
    }

    /** Stop the schedule from firing until it is resumed. */
    default void pauseWorkflowSchedule(long scheduleId) {
        Attachments.SCHEDULES.setPaused(api(), scheduleId, true);
    }

    /** Let a paused schedule fire again (and put one the scheduler took out of play back). */
    default void resumeWorkflowSchedule(long scheduleId) {
        Attachments.SCHEDULES.setPaused(api(), scheduleId, false);
    }

    /** Delete the schedule. */
    default void deleteWorkflowSchedule(long scheduleId) {
        Attachments.SCHEDULES.delete(api(), scheduleId);
    }

    /** Delete every schedule of the workflow; return how many there were. */
    default long deleteWorkflowSchedules(String workflowName, String namespace) {
        return Attachments.SCHEDULES.deleteAll(api(), workflowName, namespace);
    }
}

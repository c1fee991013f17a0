package org.aiflow.client;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Workflow triggers: start an execution when events meet a condition.
 *
 * <p>A condition is a JSON object in the server's plan format, such as
 * {@code {"kind": "event", "keys": ["data_ready"], "match": "any"}} or
 * {@code {"kind": "task_status", "all": [{"task": "train", "status": "SUCCESS"}]}};
 * {@link #eventCondition} builds the first kind. (A custom condition is Python code, which only the Python SDK
 * can send.)
 */
public interface WorkflowTriggerOps extends Ops {
    /** The condition met by an event with any of {@code keys}. */
    static Map<String, Object> eventCondition(String... keys) {
        return Map.of("kind", "event", "keys", List.of(keys), "match", "any");
    }

    /**
     * Add a trigger to the workflow; return it.
     *
     * @throws AIFlowException the condition is refused (400), no such workflow (404)
     */
    default WorkflowEventTriggerMeta addWorkflowTrigger(Map<String, Object> condition, String workflowName,
                                                        String namespace) {
        return Attachments.TRIGGERS.add(api(), Map.of("condition", condition), workflowName, namespace);
    }

    /** The trigger, or empty when there is none. */
    default Optional<WorkflowEventTriggerMeta> getWorkflowTrigger(long triggerId) {
        return Attachments.TRIGGERS.get(api(), triggerId);
    }

    /** Every trigger of the workflow. */
    default List<WorkflowEventTriggerMeta> listWorkflowTriggers(String workflowName, String namespace) {
        return Attachments.TRIGGERS.list(api(), workflowName, namespace);
    }

    /** Stop the trigger from starting executions until it is resumed. */
    default void pauseWorkflowTrigger(long triggerId) {
        Attachments.TRIGGERS.setPaused(api(), triggerId, true);
    }

    /** Let a paused trigger start executions again (and put one the scheduler took out of play back). */
    default void resumeWorkflowTrigger(long triggerId) {
        Attachments.TRIGGERS.setPaused(api(), triggerId, false);
    }

    /** Delete the trigger. */
    default void deleteWorkflowTrigger(long triggerId) {
        Attachments.TRIGGERS.delete(api(), triggerId);
    }

    /** Delete every trigger of the workflow; return how many there were. */
    default long deleteWorkflowTriggers(String workflowName, String namespace) {
        return Attachments.TRIGGERS.deleteAll(api(), workflowName, namespace);
    }
}

package org.aiflow.client;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Workflow executions: start, stop, show, list and delete.
 *
 * <p>Starting and stopping are asynchronous: the server records the request and the scheduler carries it out.
 */
public interface WorkflowExecutionOps extends Ops {
    /** How often {@link #waitForWorkflowExecution} asks for the execution's status. */
    Duration EXECUTION_POLL_INTERVAL = Duration.ofMillis(200);

    /**
     * Start an execution of the workflow's current snapshot; return its id.
     *
     * @throws AIFlowException no such workflow (404), it is disabled (409), or the call failed
     */
    default long startWorkflowExecution(String workflowName, String namespace) {
        Object answer = api().call("POST", Api.workflowResource(namespace, workflowName, "executions"));
        return ((Number) Api.object(answer).get("id")).longValue();
    }

    /** Start an execution of a workflow of the default namespace; return its id. */
    default long startWorkflowExecution(String workflowName) {
        return startWorkflowExecution(workflowName, DEFAULT_NAMESPACE);
    }

    /** Ask the scheduler to stop the execution (409 when it has already finished). */
    default void stopWorkflowExecution(long workflowExecutionId) {
        api().call("POST", Api.resource("workflow-executions", workflowExecutionId, "stop"));
    }

    /** Ask the scheduler to stop every unfinished execution of the workflow. */
    default void stopWorkflowExecutions(String workflowName, String namespace) {
        api().call("POST", Api.workflowResource(namespace, workflowName, "executions", "stop"));
    }

    /** The execution, or empty when there is none. */
    default Optional<WorkflowExecutionMeta> getWorkflowExecution(long workflowExecutionId) {
        return api().getOrEmpty(Api.resource("workflow-executions", workflowExecutionId), WorkflowExecutionMeta::new);
    }

    /**
     * Wait until the execution has finished (SUCCESS, FAILED or STOPPED); return it.
     *
     * @throws AIFlowException no such execution (404), it has not finished within {@code timeout} (status 0),
     *     or the call failed
     */
    default WorkflowExecutionMeta waitForWorkflowExecution(long workflowExecutionId, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            WorkflowExecutionMeta execution = getWorkflowExecution(workflowExecutionId).orElseThrow(() ->
                    new AIFlowException("workflow execution " + workflowExecutionId + " does not exist", 404,
                            "not_found"));
            if (execution.getStatus().isFinished()) {
                return execution;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AIFlowException("workflow execution " + workflowExecutionId + " has not finished within "
                        + timeout + " (it is " + execution.getStatus() + ")", null);
            }
            try {
                Thread.sleep(EXECUTION_POLL_INTERVAL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AIFlowException("interrupted while waiting for workflow execution " + workflowExecutionId, e);
            }
        }
    }

    /** Every execution of the workflow, oldest first. */
    default List<WorkflowExecutionMeta> listWorkflowExecutions(String workflowName, String namespace) {
        return api().listItems(Api.workflowResource(namespace, workflowName, "executions"), null, 0,
                WorkflowExecutionMeta::new);
    }

    /** At most {@code limit} of the workflow's executions, oldest first, from {@code offset}. */
    default List<WorkflowExecutionMeta> listWorkflowExecutions(String workflowName, String namespace, int limit,
                                                               int offset) {
        return api().listItems(Api.workflowResource(namespace, workflowName, "executions"), limit, offset,
                WorkflowExecutionMeta::new);
    }

    /** Delete a finished execution and its task executions (409 while it runs). */
    default void deleteWorkflowExecution(long workflowExecutionId) {
        api().call("DELETE", Api.resource("workflow-executions", workflowExecutionId));
    }
}

package org.aiflow.client;

import java.util.List;
import java.util.Optional;

/**
 * Workflow executions: start, stop, show, list and delete.
 *
 * <p>Starting and stopping are asynchronous: the server records the request and the scheduler carries it out.
 */
public interface WorkflowExecutionOps extends Ops {
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

package org.aiflow.client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Task executions: show, list, start, stop or restart a task, and read its log. */
public interface TaskExecutionOps extends Ops {
    /** The task execution, or empty when there is none. */
    default Optional<TaskExecutionMeta> getTaskExecution(long taskExecutionId) {
        return api().getOrEmpty(Api.resource("task-executions", taskExecutionId), TaskExecutionMeta::new);
    }

    /** Every task execution of the workflow execution. */
    default List<TaskExecutionMeta> listTaskExecutions(long workflowExecutionId) {
        return api().listItems(Api.resource("workflow-executions", workflowExecutionId, "task-executions"), null, 0,
                TaskExecutionMeta::new);
    }

    /**
     * Ask the scheduler to start (or restart) the task in the workflow execution.
     *
     * @return the key of the task's new run, {@code <workflowExecutionId>/<taskName>}; the scheduler numbers
     *     the run when it starts it
     * @throws AIFlowException no such execution or task (404), it has finished (409), or the call failed
     */
    default String startTaskExecution(long workflowExecutionId, String taskName) {
        taskCommand(workflowExecutionId, taskName, "start");
        return workflowExecutionId + "/" + taskName;
    }

    /** Ask the scheduler to stop the task's live run in the workflow execution. */
    default void stopTaskExecution(long workflowExecutionId, String taskName) {
        taskCommand(workflowExecutionId, taskName, "stop");
    }

    /** Ask the scheduler to stop the task's live run and start its next one. */
    default void restartTaskExecution(long workflowExecutionId, String taskName) {
        taskCommand(workflowExecutionId, taskName, "restart");
    }

    /**
     * Log lines of one try after the cursor {@code after}.
     *
     * @param tryNumber the try, or null for the latest
     * @param after the {@link TaskLogPage#getNext()} of the page before, or null for the first lines
     */
    default TaskLogPage getTaskExecutionLog(long taskExecutionId, Long tryNumber, String after) {
        Map<String, Object> query = new HashMap<>();
        query.put("try_number", tryNumber);
        query.put("after", after);
        Object answer = api().call("GET", Api.resource("task-executions", taskExecutionId, "logs"), query, null);
        return new TaskLogPage(Api.object(answer));
    }

    private void taskCommand(long workflowExecutionId, String taskName, String command) {
        api().call("POST", Api.resource("workflow-executions", workflowExecutionId, "tasks", taskName, command));
    }
}

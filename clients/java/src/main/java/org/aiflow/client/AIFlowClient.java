package org.aiflow.client;

import org.aiflow.notification.NotificationClient;

/**
 * A client of the AIFlow server's REST API: namespaces, workflows and their snapshots, workflow executions,
 * task executions, schedules and triggers, with the method names of the Python SDK ({@code ai_flow.ops}) in
 * camelCase. Events go through {@link #notificationClient(String)}.
 *
 * <p>Lists return every item (read a page at a time) and are empty rather than null; {@code get...} methods
 * return {@link java.util.Optional#empty()} where the Python SDK returns {@code None}. Every failed call raises
 * {@link AIFlowException} with the server's status and message.
 *
 * <pre>{@code
 * AIFlowClient client = new AIFlowClient("http://127.0.0.1:8000", token);
 * client.uploadWorkflow(Path.of("quickstart.py"));
 * long id = client.startWorkflowExecution("quickstart_workflow");
 * }</pre>
 */
public final class AIFlowClient implements NamespaceOps, WorkflowOps, WorkflowExecutionOps, TaskExecutionOps,
        WorkflowScheduleOps, WorkflowTriggerOps {
    private final Api api;

    /**
     * A client of the server at {@code serverAddress} ({@code http://host:port} or {@code host:port}).
     *
     * @param token the API token sent as {@code Authorization: Bearer <token>}, or null for a server that needs
     *     none
     */
    public AIFlowClient(String serverAddress, String token) {
        this(new Api(serverAddress, token));
    }

    /** A client over an existing connection. */
    public AIFlowClient(Api api) {
        this.api = api;
    }

    @Override
    public Api api() {
        return api;
    }

    /** A client of {@code namespace}'s events over this client's connection and token. */
    public NotificationClient notificationClient(String namespace) {
        return new NotificationClient(api, namespace);
    }
}

package org.aiflow.client;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Workflows: upload, show, list, enable, disable and delete. */
public interface WorkflowOps extends Ops {
    /**
     * Upload a workflow file packed with {@code artifacts} (files or folders) into {@code namespace}.
     *
     * <p>The Python SDK loads the file first to upload every workflow it declares; this client cannot run
     * Python, so it uploads one: the one named {@code workflowName}, or (when that is null) the only one
     * the file declares. Uploading unchanged files again makes no new snapshot.
     *
     * @throws AIFlowException the file or an artifact is missing, the file does not load on the server, or the
     *     server refused the workflow
     */
    default WorkflowMeta uploadWorkflow(Path workflowFile, List<Path> artifacts, String workflowName,
                                        String namespace) {
        WorkflowPackage pack = WorkflowPackage.build(workflowFile, artifacts);
        Map<String, String> fields = new HashMap<>();
        fields.put("entry", pack.entry);
        if (workflowName != null) {
            fields.put("name", workflowName);
        }
        Object answer = api().postForm(Api.resource("namespaces", namespace, "workflows"), fields, "package",
                (workflowName == null ? "workflow" : workflowName) + ".zip", "application/zip", pack.data);
        return new WorkflowMeta(Api.object(answer));
    }

    /** Upload the only workflow {@code workflowFile} declares, alone, into the default namespace. */
    default WorkflowMeta uploadWorkflow(Path workflowFile) {
        return uploadWorkflow(workflowFile, List.of(), null, DEFAULT_NAMESPACE);
    }

    /** The workflow, or empty when there is none. */
    default Optional<WorkflowMeta> getWorkflow(String workflowName, String namespace) {
        return api().getOrEmpty(Api.workflowResource(namespace, workflowName), WorkflowMeta::new);
    }

    /** The workflow of the default namespace, or empty when there is none. */
    default Optional<WorkflowMeta> getWorkflow(String workflowName) {
        return getWorkflow(workflowName, DEFAULT_NAMESPACE);
    }

    /** Every workflow of the namespace. */
    default List<WorkflowMeta> listWorkflows(String namespace) {
        return api().listItems(Api.resource("namespaces", namespace, "workflows"), null, 0, WorkflowMeta::new);
    }

    /** At most {@code limit} of the namespace's workflows, from {@code offset}. */
    default List<WorkflowMeta> listWorkflows(String namespace, int limit, int offset) {
        return api().listItems(Api.resource("namespaces", namespace, "workflows"), limit, offset, WorkflowMeta::new);
    }

    /** Delete the workflow with its snapshots, schedules, triggers and finished executions (409 while one runs). */
    default void deleteWorkflow(String workflowName, String namespace) {
        api().call("DELETE", Api.workflowResource(namespace, workflowName));
    }

    /** Refuse new executions of the workflow; running ones go on. */
    default void disableWorkflow(String workflowName, String namespace) {
        api().call("POST", Api.workflowResource(namespace, workflowName, "disable"));
    }

    /** Let a disabled workflow start executions again. */
    default void enableWorkflow(String workflowName, String namespace) {
        api().call("POST", Api.workflowResource(namespace, workflowName, "enable"));
    }

    /** The snapshots (uploaded versions) of the workflow, oldest first. */
    default List<WorkflowSnapshotMeta> listWorkflowSnapshots(String workflowName, String namespace) {
        return api().listItems(Api.workflowResource(namespace, workflowName, "snapshots"), null, 0,
                WorkflowSnapshotMeta::new);
    }

    /** One snapshot, or empty when there is none. */
    default Optional<WorkflowSnapshotMeta> getWorkflowSnapshot(long snapshotId) {
        return api().getOrEmpty(Api.resource("snapshots", snapshotId), WorkflowSnapshotMeta::new);
    }

    /** Delete an old snapshot with its finished executions (409 for the current one). */
    default void deleteWorkflowSnapshot(long snapshotId) {
        api().call("DELETE", Api.resource("snapshots", snapshotId));
    }

    /** Delete every snapshot of the workflow but the current one; return how many were deleted. */
    default long deleteWorkflowSnapshots(String workflowName, String namespace) {
        Object answer = api().call("DELETE", Api.workflowResource(namespace, workflowName, "snapshots"));
        return ((Number) Api.object(answer).get("deleted")).longValue();
    }
}

package org.aiflow.client;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The calls schedules and triggers share: added, listed and deleted under a workflow ({@code plural}), shown,
 * paused, resumed and deleted by id ({@code byId}).
 */
final class Attachments<M extends AttachmentMeta> {
    static final Attachments<WorkflowScheduleMeta> SCHEDULES =
            new Attachments<>("schedules", "workflow-schedules", WorkflowScheduleMeta::new);
    static final Attachments<WorkflowEventTriggerMeta> TRIGGERS =
            new Attachments<>("triggers", "workflow-triggers", WorkflowEventTriggerMeta::new);

    private final String plural;
    private final String byId;
    private final Function<Map<String, Object>, M> record;

    private Attachments(String plural, String byId, Function<Map<String, Object>, M> record) {
        this.plural = plural;
        this.byId = byId;
        this.record = record;
    }

    M add(Api api, Map<String, Object> body, String workflowName, String namespace) {
        return record.apply(Api.object(api.call("POST", Api.workflowResource(namespace, workflowName, plural), null,
                body)));
    }

    Optional<M> get(Api api, long id) {
        return api.getOrEmpty(Api.resource(byId, id), record);
    }

    List<M> list(Api api, String workflowName, String namespace) {
        return api.listItems(Api.workflowResource(namespace, workflowName, plural), null, 0, record);
    }

    void setPaused(Api api, long id, boolean paused) {
        api.call("POST", Api.resource(byId, id, paused ? "pause" : "resume"));
    }

    void delete(Api api, long id) {
        api.call("DELETE", Api.resource(byId, id));
    }

    long deleteAll(Api api, String workflowName, String namespace) {
        Object answer = api.call("DELETE", Api.workflowResource(namespace, workflowName, plural));
        return ((Number) Api.object(answer).get("deleted")).longValue();
    }
}

package org.aiflow.client;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Namespaces: add, show, list, update and delete (changes need an admin token). */
public interface NamespaceOps extends Ops {
    /** Create the namespace {@code name} with {@code properties} (may be null); return it. */
    default NamespaceMeta addNamespace(String name, Map<String, Object> properties) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("properties", properties);
        return new NamespaceMeta(Api.object(api().call("POST", "/namespaces", null, body)));
    }

    /** The namespace {@code name}, or empty when there is none. */
    default Optional<NamespaceMeta> getNamespace(String name) {
        return api().getOrEmpty(Api.resource("namespaces", name), NamespaceMeta::new);
    }

    /** Every namespace the caller may see. */
    default List<NamespaceMeta> listNamespace() {
        return api().listItems("/namespaces", null, 0, NamespaceMeta::new);
    }

    /** At most {@code limit} of the namespaces the caller may see, from {@code offset}. */
    default List<NamespaceMeta> listNamespace(int limit, int offset) {
        return api().listItems("/namespaces", limit, offset, NamespaceMeta::new);
    }

    /** Replace the namespace's properties; return it, or empty when there is no such namespace. */
    default Optional<NamespaceMeta> updateNamespace(String name, Map<String, Object> properties) {
        Map<String, Object> body = new HashMap<>();
        body.put("properties", properties);
        return api().callOrEmpty("PATCH", Api.resource("namespaces", name), body)
                .map(answer -> new NamespaceMeta(Api.object(answer)));
    }

    /** Delete the namespace; the server refuses (409) while it holds workflows. */
    default void deleteNamespace(String name) {
        api().call("DELETE", Api.resource("namespaces", name));
    }
}

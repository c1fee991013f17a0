package org.aiflow.client;

import java.util.Map;

/** A namespace: a name and its properties. */
public final class NamespaceMeta extends JsonRecord {
    /** Read from the server's JSON. */
    public NamespaceMeta(Map<String, Object> fields) {
        super(fields);
    }

    /** The namespace's name. */
    public String getName() {
        return text("name");
    }

    /** Its properties, or null. */
    public Map<String, Object> getProperties() {
        return object("properties");
    }
}

package org.aiflow.notification;

import java.util.LinkedHashMap;
import java.util.Map;
import org.aiflow.client.JsonRecord;

/**
 * A keyed message of a namespace's event log.
 *
 * <p>The server gives each stored event its offset (increasing strictly across every key and namespace) and
 * its create time (milliseconds since the epoch, by the store's clock); an event made here has neither yet.
 */
public final class Event extends JsonRecord {
    /** Read from the server's JSON. */
    public Event(Map<String, Object> fields) {
        super(fields);
    }

    /** An event to send: {@code key} with {@code value} (may be null). */
    public Event(String key, String value) {
        this(fields(key, value, null, null));
    }

    /** This event with {@code sender} and {@code context} (either may be null). */
    public Event with(String sender, String context) {
        return new Event(fields(getKey(), getValue(), sender, context));
    }

    private static Map<String, Object> fields(String key, String value, String sender, String context) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("offset", null);
        fields.put("key", key);
        fields.put("value", value);
        fields.put("namespace", null);
        fields.put("sender", sender);
        fields.put("context", context);
        fields.put("create_time", null);
        return fields;
    }

    /** The event's key. */
    public String getKey() {
        return text("key");
    }

    /** Its value, or null. */
    public String getValue() {
        return text("value");
    }

    /** The namespace it was sent to, or null before it is stored. */
    public String getNamespace() {
        return text("namespace");
    }

    /** Who sent it (a task's events carry the task's name), or null. */
    public String getSender() {
        return text("sender");
    }

    /** Its context (a task's events name their workflow execution), or null. */
    public String getContext() {
        return text("context");
    }

    /** Its offset in the log, or null before it is stored. */
    public Long getOffset() {
        return optionalNumber("offset");
    }

    /** When it was stored, in milliseconds since the epoch, or null before. */
    public Long getCreateTime() {
        return optionalNumber("create_time");
    }
}

package org.aiflow.notification;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Which events of a namespace to list or count: by key and sender, after an offset or from a time. Each
 * {@code with...} method returns a new query; {@link #all()} selects every event.
 */
public final class EventQuery {
    private static final EventQuery ALL = new EventQuery(null, null, null, null);

    private final String key;
    private final String sender;
    private final Long beginOffset;
    private final Instant beginTime;

    private EventQuery(String key, String sender, Long beginOffset, Instant beginTime) {
        this.key = key;
        this.sender = sender;
        this.beginOffset = beginOffset;
        this.beginTime = beginTime;
    }

    /** Every event of the namespace. */
    public static EventQuery all() {
        return ALL;
    }

    /** Only the events with {@code key}. */
    public EventQuery withKey(String key) {
        return new EventQuery(key, sender, beginOffset, beginTime);
    }

    /** Only the events {@code sender} sent. */
    public EventQuery withSender(String sender) {
        return new EventQuery(key, sender, beginOffset, beginTime);
    }

    /** Only the events after offset {@code offset}. */
    public EventQuery after(long offset) {
        return new EventQuery(key, sender, offset, beginTime);
    }

    /** Only the events created at or after {@code time} (by the server's clock). */
    public EventQuery since(Instant time) {
        return new EventQuery(key, sender, beginOffset, time);
    }

    /** The query arguments of the events routes. */
    Map<String, Object> arguments() {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("key", key);
        arguments.put("sender", sender);
        arguments.put("begin_offset", beginOffset);
        arguments.put("begin_time", beginTime);
        return arguments;
    }
}

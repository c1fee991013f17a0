package org.aiflow.notification;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.aiflow.client.AIFlowException;
import org.aiflow.client.Api;

/**
 * Sends, lists, counts and listens to the events of one namespace.
 *
 * <p>The Python notification client speaks to the event bus (Redis) directly; this one goes through the REST
 * API's event routes with an API token, so it needs no Redis protocol and no bus password, and the server checks
 * the token's namespaces. Listening is a long poll: the server holds each request until an event is stored.
 */
public final class NotificationClient implements AutoCloseable {
    private final Api api;
    private final String namespace;
    private final String eventsPath;
    private final Map<String, EventListener> listeners = new ConcurrentHashMap<>();

    /**
     * A client of {@code namespace}'s events on the server at {@code serverAddress}.
     *
     * @param token an API token that may use {@code namespace}, or null for a server that needs none
     */
    public NotificationClient(String serverAddress, String token, String namespace) {
        this(new Api(serverAddress, token), namespace);
    }

    /** A client of {@code namespace}'s events over an existing connection. */
    public NotificationClient(Api api, String namespace) {
        this.api = api;
        this.namespace = namespace;
        this.eventsPath = Api.resource("namespaces", namespace, "events");
    }

    /** The namespace this client sends to and reads from. */
    public String getNamespace() {
        return namespace;
    }

    /**
     * Send an event with {@code key} and {@code value}; return it as stored, with its offset.
     *
     * @throws AIFlowException the server refused it (a key starting with {@code aiflow.} is reserved) or was not
     *     reached
     */
    public Event sendEvent(String key, String value) {
        return sendEvent(new Event(key, value));
    }

    /** Send {@code event} (its key, value, sender and context); return it as stored, with its offset. */
    public Event sendEvent(Event event) {
        Map<String, Object> body = new HashMap<>();
        body.put("key", event.getKey());
        body.put("value", event.getValue());
        body.put("sender", event.getSender());
        body.put("context", event.getContext());
        return new Event(Api.object(api.call("POST", eventsPath, null, body)));
    }

    /** Every event {@code query} selects, in offset order. */
    public List<Event> listEvents(EventQuery query) {
        return api.listItems(eventsPath, query.arguments(), null, 0, Event::new);
    }

    /** The first {@code limit} events {@code query} selects, in offset order. */
    public List<Event> listEvents(EventQuery query, int limit) {
        return api.listItems(eventsPath, query.arguments(), limit, 0, Event::new);
    }

    /** How many events {@code query} selects. */
    public long countEvents(EventQuery query) {
        Object answer = api.call("GET", eventsPath + "/count", query.arguments(), null);
        return ((Number) Api.object(answer).get("count")).longValue();
    }

    /**
     * Deliver the events with {@code eventKeys} (every key when empty) stored from now on to {@code processor},
     * on a thread of its own; return the id to stop it with.
     *
     * <p>"From now on" is by this host's clock compared with the server's: keep them in step.
     */
    public String registerListener(ListenerProcessor processor, Collection<String> eventKeys) {
        return registerListener(processor, eventKeys, Instant.now());
    }

    /** Like {@link #registerListener(ListenerProcessor, Collection)}, for the events created at or after {@code beginTime}. */
    public String registerListener(ListenerProcessor processor, Collection<String> eventKeys, Instant beginTime) {
        return start(new EventListener(api, eventsPath, processor, new HashSet<>(eventKeys), null, beginTime));
    }

    /** Like {@link #registerListener(ListenerProcessor, Collection)}, for the events after offset {@code beginOffset}. */
    public String registerListener(ListenerProcessor processor, Collection<String> eventKeys, long beginOffset) {
        return start(new EventListener(api, eventsPath, processor, new HashSet<>(eventKeys), beginOffset, null));
    }

    private String start(EventListener listener) {
        String id = UUID.randomUUID().toString();
        listeners.put(id, listener);
        listener.start();
        return id;
    }

    /**
     * Stop the listener {@code registrationId}; once this returns it delivers nothing more.
     *
     * @throws IllegalArgumentException no listener has that id
     */
    public void unregisterListener(String registrationId) {
        EventListener listener = listeners.remove(registrationId);
        if (listener == null) {
            throw new IllegalArgumentException("no listener registered with id " + registrationId);
        }
        listener.stop();
    }

    /** Stop every listener. */
    @Override
    public void close() {
        for (String id : List.copyOf(listeners.keySet())) {
            EventListener listener = listeners.remove(id);
            if (listener != null) {
                listener.stop();
            }
        }
    }
}

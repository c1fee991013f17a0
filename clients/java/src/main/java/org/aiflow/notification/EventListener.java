package org.aiflow.notification;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.aiflow.client.Api;

/**
 * A thread that long-polls a namespace's events and hands them to a processor.
 *
 * <p>Each poll asks for the events after the last one delivered (the first one for those from the start time)
 * and the server holds it up to {@link #POLL_WAIT_S} seconds until one is stored, so every event arrives once,
 * in offset order, as soon as it is stored. A server with no waiting slot free answers at once; the listener
 * then pauses {@link #BUSY_PAUSE} before asking again. Failed polls are retried with a growing pause.
 */
final class EventListener {
    /** How long the server holds one poll when no event comes (it allows up to 30 s). */
    static final int POLL_WAIT_S = 25;
    /** Pause after an empty answer that came well before its wait (the server had no waiting slot free). */
    static final Duration BUSY_PAUSE = Duration.ofSeconds(1);
    /** Longest pause between failed polls. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** How long stopping waits for a delivery under way. */
    static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private static final System.Logger LOGGER = System.getLogger(EventListener.class.getName());

    private final Api api;
    private final String eventsPath;
    private final ListenerProcessor processor;
    private final Set<String> keys;
    private final Instant beginTime;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Thread thread;
    private Long after;
    private CompletableFuture<Object> poll;

    /** Deliver the events with {@code keys} (all when empty) after {@code afterOffset}, or from {@code beginTime}. */
    EventListener(Api api, String eventsPath, ListenerProcessor processor, Set<String> keys, Long afterOffset,
                  Instant beginTime) {
        this.api = api;
        this.eventsPath = eventsPath;
        this.processor = processor;
        this.keys = Set.copyOf(keys);
        this.after = afterOffset;
        this.beginTime = beginTime;
        this.thread = new Thread(this::run, "aiflow-event-listener");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stop: end the poll under way; once this returns nothing more is delivered (unless called by the processor). */
    void stop() {
        stopping.countDown();
        synchronized (this) {
            if (poll != null) {
                poll.cancel(true);
            }
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(STOP_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean stopped() {
        return stopping.getCount() == 0;
    }

    private void run() {
        Duration backoff = Duration.ofMillis(100);
        while (!stopped()) {
            long asked = System.nanoTime();
            List<Event> events;
            try {
                events = nextPage();
            } catch (CancellationException | InterruptedException e) {
                return;
            } catch (ExecutionException e) {
                if (stopped()) {
                    return;
                }
                LOGGER.log(Level.WARNING, "Listener: cannot read events ({0}); retrying in {1} ms",
                        e.getCause().getMessage(), backoff.toMillis());
                pause(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                continue;
            }
            backoff = Duration.ofMillis(100);
            if (!events.isEmpty()) {
                after = events.get(events.size() - 1).getOffset();
                deliver(events.stream().filter(e -> keys.isEmpty() || keys.contains(e.getKey()))
                        .collect(Collectors.toList()));
            } else if (System.nanoTime() - asked < TimeUnit.SECONDS.toNanos(POLL_WAIT_S) / 2) {
                pause(BUSY_PAUSE);
            }
        }
    }

    private List<Event> nextPage() throws ExecutionException, InterruptedException {
        Map<String, Object> query = new HashMap<>();
        query.put("limit", Api.PAGE_SIZE);
        query.put("wait", POLL_WAIT_S);
        query.put("begin_offset", after);
        query.put("begin_time", after == null ? beginTime : null);
        query.put("key", keys.size() == 1 ? keys.iterator().next() : null);
        CompletableFuture<Object> future = api.getAsync(eventsPath, query, Duration.ofSeconds(POLL_WAIT_S + 30));
        synchronized (this) {
            if (stopped()) {
                future.cancel(true);
                throw new CancellationException();
            }
            poll = future;
        }
        List<?> items = (List<?>) Api.object(future.get()).get("items");
        return items.stream().map(item -> new Event(Api.object(item))).collect(Collectors.toList());
    }

    private void deliver(List<Event> events) {
        if (events.isEmpty() || stopped()) {
            return;
        }
        try {
            processor.process(events);
        } catch (RuntimeException e) {
            LOGGER.log(Level.ERROR, "Listener: the processor failed on offsets " + events.get(0).getOffset() + ".."
                    + events.get(events.size() - 1).getOffset(), e);
        }
    }

    private void pause(Duration duration) {
        try {
            stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

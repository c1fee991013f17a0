package org.aiflow.notification;

import java.util.List;

/** Receives the events a listener delivers, a batch at a time, in offset order, on the listener's thread. */
@FunctionalInterface
public interface ListenerProcessor {
    /** Handle a batch of events; an exception thrown here is logged and the listener goes on. */
    void process(List<Event> events);
}

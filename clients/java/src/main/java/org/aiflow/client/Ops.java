package org.aiflow.client;

/** What every group of calls of {@link AIFlowClient} is made over: one connection to the REST API. */
public interface Ops {
    /** The namespace the calls that take no namespace use. */
    String DEFAULT_NAMESPACE = "default";

    /** The connection the calls go through (also for routes this client has no method for). */
    Api api();
}
